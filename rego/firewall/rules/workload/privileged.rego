# METADATA
# description: DFW-WORKLOAD-001 — no container of the workload runs privileged or can gain privileges.
package firewall.rules.workload.privileged

import data.firewall.lib
import data.firewall.lib.workload

# METADATA
# title: No privileged containers and no privilege escalation
# description: >-
#   No container of the deployed workload is privileged, and every container sets
#   allowPrivilegeEscalation to false, as the Kubernetes Pod Security Standards
#   "restricted" profile requires: a privileged container has every capability of the node
#   and escapes the container boundary. Controls: NIST SP 800-53 AC-6 (least privilege) and
#   CM-7 (least functionality), SOC 2 CC6.1 (logical access restricted), CIS-SSCS 5.1.3
#   (deployment configuration is scanned for security issues before deployment).
# custom:
#   id: DFW-WORKLOAD-001
#   severity: critical
#   category: workload
#   remediation: >-
#     Remove `privileged: true` and set `allowPrivilegeEscalation: false` in the
#     securityContext of every container (containers, initContainers and
#     ephemeralContainers) of the pod template.
#   controls:
#     - NIST-800-53:AC-6
#     - NIST-800-53:CM-7
#     - SOC2:CC6.1
#     - CIS-SSCS:5.1.3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workload", sprintf("the privileges of %s", [workload.ref])) if {
	lib.missing("workload")
}

_findings contains workload.unreadable_finding("the privileges") if {
	not lib.missing("workload")
	not workload.readable
}

_findings contains lib.finding(
	sprintf("%s of %s runs privileged", [workload.name(entry), workload.ref]),
	sprintf("%s.securityContext.privileged = true", [workload.name(entry)]),
) if {
	some entry in workload.containers
	not workload.context(entry).privileged == false
	workload.context(entry).privileged != null
}

_findings contains lib.finding(
	sprintf("%s of %s does not set allowPrivilegeEscalation: false", [workload.name(entry), workload.ref]),
	sprintf("%s.securityContext.allowPrivilegeEscalation is not false", [workload.name(entry)]),
) if {
	some entry in workload.containers
	not workload.context(entry).allowPrivilegeEscalation == false
}
