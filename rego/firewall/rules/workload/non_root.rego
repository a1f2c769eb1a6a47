# METADATA
# description: DFW-WORKLOAD-002 — every container of the workload runs as a non-root user.
package firewall.rules.workload.non_root

import data.firewall.lib
import data.firewall.lib.workload

# METADATA
# title: Containers run as a non-root user
# description: >-
#   Every container of the deployed workload has runAsNonRoot: true (set on the container or
#   inherited from the pod) and none runs as user 0, as the Kubernetes Pod Security
#   Standards "restricted" profile requires, so that a process that breaks out of its
#   container is not root on the node. Controls: NIST SP 800-53 AC-6 (least privilege),
#   SOC 2 CC6.1, CIS-SSCS 5.1.3 (deployment configuration is scanned for security issues).
# custom:
#   id: DFW-WORKLOAD-002
#   severity: high
#   category: workload
#   remediation: >-
#     Set `runAsNonRoot: true` (and a non-zero `runAsUser`) in the pod's securityContext
#     or in each container's, and build the image with a non-root USER.
#   controls:
#     - NIST-800-53:AC-6
#     - SOC2:CC6.1
#     - CIS-SSCS:5.1.3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workload", sprintf("the user the containers of %s run as", [workload.ref])) if {
	lib.missing("workload")
}

_findings contains workload.unreadable_finding("the user the containers run as") if {
	not lib.missing("workload")
	not workload.readable
}

_findings contains lib.finding(
	sprintf("%s of %s may run as root: runAsNonRoot is not true", [workload.name(entry), workload.ref]),
	sprintf("%s: runAsNonRoot is not true on the container or the pod", [workload.name(entry)]),
) if {
	some entry in workload.containers
	not _non_root(entry)
}

_findings contains lib.finding(
	sprintf("%s of %s runs as user 0 (root)", [workload.name(entry), workload.ref]),
	sprintf("%s: runAsUser = 0", [workload.name(entry)]),
) if {
	some entry in workload.containers
	workload.effective(entry, "runAsUser") == 0
}

# A helper rather than `not workload.effective(...) == true`: OPA moves a call out of the
# negation it appears in, so that form fails (rather than holds) when the call is
# undefined, and a container with no runAsNonRoot anywhere would pass.
_non_root(entry) if workload.effective(entry, "runAsNonRoot") == true
