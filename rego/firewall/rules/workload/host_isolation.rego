# METADATA
# description: DFW-WORKLOAD-003 — the workload shares no namespace, path or port with its node.
package firewall.rules.workload.host_isolation

import data.firewall.lib
import data.firewall.lib.workload

# METADATA
# title: No host namespaces, host paths or host ports
# description: >-
#   The deployed pod does not share the node's network, process or IPC namespace
#   (hostNetwork, hostPID, hostIPC), mounts no hostPath volume and binds no hostPort, as
#   the Kubernetes Pod Security Standards forbid from the "baseline" profile on: each one
#   lets a container see or change the node and its other pods. Controls: NIST SP 800-53
#   SC-39 (process isolation) and AC-6 (least privilege), SOC 2 CC6.1, CIS-SSCS 5.1.3.
# custom:
#   id: DFW-WORKLOAD-003
#   severity: critical
#   category: workload
#   remediation: >-
#     Remove hostNetwork, hostPID and hostIPC (or set them to false), replace hostPath
#     volumes with emptyDir, configMap, secret or persistentVolumeClaim volumes, and expose
#     ports through a Service instead of hostPort.
#   controls:
#     - NIST-800-53:SC-39
#     - NIST-800-53:AC-6
#     - SOC2:CC6.1
#     - CIS-SSCS:5.1.3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workload", sprintf("the host isolation of %s", [workload.ref])) if {
	lib.missing("workload")
}

_findings contains workload.unreadable_finding("the host isolation") if {
	not lib.missing("workload")
	not workload.readable
}

_findings contains lib.finding(
	sprintf("%s shares the node's %s namespace (%s)", [workload.ref, what, key]),
	sprintf("pod_spec.%s is not false", [key]),
) if {
	workload.readable
	some key, what in {"hostNetwork": "network", "hostPID": "process", "hostIPC": "IPC"}
	not workload.pod_spec[key] == false
	workload.pod_spec[key] != null
}

_findings contains lib.finding(
	sprintf("%s mounts the node's path %s (volume %s)", [workload.ref, lib.text(volume.hostPath, "path", "<unknown path>"), lib.text(volume, "name", "<unnamed>")]),
	sprintf("pod_spec.volumes[%s].hostPath is set", [lib.text(volume, "name", "<unnamed>")]),
) if {
	some volume in lib.list(workload.pod_spec, "volumes")
	volume.hostPath != null
}

_findings contains lib.finding(
	sprintf("%s of %s binds host port %s", [workload.name(entry), workload.ref, lib.number_text(port.hostPort)]),
	sprintf("%s.ports[].hostPort = %s", [workload.name(entry), lib.number_text(port.hostPort)]),
) if {
	some entry in workload.containers
	some port in lib.list(entry.container, "ports")
	port.hostPort != null
	port.hostPort != 0
}
