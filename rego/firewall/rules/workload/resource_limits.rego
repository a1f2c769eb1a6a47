# METADATA
# description: DFW-WORKLOAD-005 — every container sets CPU and memory limits.
package firewall.rules.workload.resource_limits

import data.firewall.lib
import data.firewall.lib.workload

# METADATA
# title: Containers set CPU and memory limits
# description: >-
#   Every container of the deployed workload sets resources.limits.cpu and
#   resources.limits.memory, so that one compromised or runaway pod cannot starve the
#   others on its node. Controls: NIST SP 800-53 SC-6 (resource availability), SOC 2 A1.1
#   (capacity is managed to meet objectives), CIS-SSCS 5.1.3.
# custom:
#   id: DFW-WORKLOAD-005
#   severity: medium
#   category: workload
#   remediation: >-
#     Set `resources.limits.cpu` and `resources.limits.memory` (and requests) on every
#     container of the pod template, or give the namespace a LimitRange with defaults.
#   controls:
#     - NIST-800-53:SC-6
#     - SOC2:A1.1
#     - CIS-SSCS:5.1.3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workload", sprintf("the resource limits of %s", [workload.ref])) if {
	lib.missing("workload")
}

_findings contains workload.unreadable_finding("the resource limits") if {
	not lib.missing("workload")
	not workload.readable
}

_findings contains lib.finding(
	sprintf("%s of %s sets no %s limit", [workload.name(entry), workload.ref, resource]),
	sprintf("%s.resources.limits.%s is not set", [workload.name(entry), resource]),
) if {
	some entry in workload.containers
	entry.list != "ephemeralContainers"
	some resource in ["cpu", "memory"]
	not _limited(entry.container, resource)
}

# Kubernetes writes quantities as strings ("500m", "256Mi") or numbers (1).
_limited(container, resource) if {
	limit := container.resources.limits[resource]
	is_string(limit)
	limit != ""
}

_limited(container, resource) if is_number(container.resources.limits[resource])
