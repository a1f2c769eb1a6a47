# METADATA
# description: DFW-WORKLOAD-006 — every container's root filesystem is read-only.
package firewall.rules.workload.read_only_root

import data.firewall.lib
import data.firewall.lib.workload

# METADATA
# title: Containers have a read-only root filesystem
# description: >-
#   Every container of the deployed workload sets readOnlyRootFilesystem: true, so that an
#   attacker who gets code execution cannot replace the application's binaries or drop
#   tools into the image; writable paths become explicit emptyDir volumes. Controls: NIST
#   SP 800-53 CM-7 (least functionality) and SI-7 (software integrity), SOC 2 CC6.8
#   (prevent the introduction of unauthorized software), CIS-SSCS 5.1.3.
# custom:
#   id: DFW-WORKLOAD-006
#   severity: medium
#   category: workload
#   remediation: >-
#     Set `readOnlyRootFilesystem: true` in every container's securityContext and mount an
#     emptyDir volume at each path the application must write (for example /tmp).
#   controls:
#     - NIST-800-53:CM-7
#     - NIST-800-53:SI-7
#     - SOC2:CC6.8
#     - CIS-SSCS:5.1.3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workload", sprintf("the root filesystems of %s", [workload.ref])) if {
	lib.missing("workload")
}

_findings contains workload.unreadable_finding("the root filesystems") if {
	not lib.missing("workload")
	not workload.readable
}

_findings contains lib.finding(
	sprintf("%s of %s has a writable root filesystem", [workload.name(entry), workload.ref]),
	sprintf("%s.securityContext.readOnlyRootFilesystem is not true", [workload.name(entry)]),
) if {
	some entry in workload.containers
	entry.list != "ephemeralContainers"
	not workload.context(entry).readOnlyRootFilesystem == true
}
