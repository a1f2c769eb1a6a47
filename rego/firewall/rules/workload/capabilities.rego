# METADATA
# description: DFW-WORKLOAD-004 — every container drops all Linux capabilities.
package firewall.rules.workload.capabilities

import data.firewall.lib
import data.firewall.lib.workload

# METADATA
# title: Containers drop all capabilities
# description: >-
#   Every container of the deployed workload drops ALL Linux capabilities and adds back at
#   most NET_BIND_SERVICE, as the Kubernetes Pod Security Standards "restricted" profile
#   requires, so that root inside the container (should it happen) cannot load modules,
#   change the network or trace other processes. Controls: NIST SP 800-53 AC-6 (least
#   privilege) and CM-7 (least functionality), SOC 2 CC6.1, CIS-SSCS 5.1.3.
# custom:
#   id: DFW-WORKLOAD-004
#   severity: high
#   category: workload
#   remediation: >-
#     In every container's securityContext set `capabilities: {drop: [ALL]}`, adding back
#     only NET_BIND_SERVICE when the process must bind a port below 1024.
#   controls:
#     - NIST-800-53:AC-6
#     - NIST-800-53:CM-7
#     - SOC2:CC6.1
#     - CIS-SSCS:5.1.3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workload", sprintf("the capabilities of %s", [workload.ref])) if {
	lib.missing("workload")
}

_findings contains workload.unreadable_finding("the capabilities") if {
	not lib.missing("workload")
	not workload.readable
}

_findings contains lib.finding(
	sprintf("%s of %s does not drop ALL capabilities", [workload.name(entry), workload.ref]),
	sprintf("%s.securityContext.capabilities.drop lacks ALL", [workload.name(entry)]),
) if {
	some entry in workload.containers
	not "ALL" in lib.list(_capabilities(entry), "drop")
}

_findings contains lib.finding(
	sprintf("%s of %s adds capabilities %s; only NET_BIND_SERVICE may be added", [workload.name(entry), workload.ref, concat(", ", added)]),
	sprintf("%s.securityContext.capabilities.add = %s", [workload.name(entry), concat(", ", added)]),
) if {
	some entry in workload.containers
	added := sort([_capability_text(c) | some c in lib.list(_capabilities(entry), "add"); c != "NET_BIND_SERVICE"])
	count(added) > 0
}

_capabilities(entry) := caps if {
	caps := workload.context(entry).capabilities
	is_object(caps)
} else := {}

_capability_text(c) := c if is_string(c)

else := json.marshal(c)
