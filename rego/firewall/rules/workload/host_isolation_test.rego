package firewall.rules.workload.host_isolation_test

import data.firewall.rules.workload.host_isolation

_container := {
	"name": "api",
	"image": "registry.example.com/payments/api@sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b",
	"ports": [{"containerPort": 8080}],
	"resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
	"securityContext": {
		"allowPrivilegeEscalation": false,
		"privileged": false,
		"readOnlyRootFilesystem": true,
		"capabilities": {"drop": ["ALL"]},
	},
}

_pod_spec := {
	"securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
	"containers": [_container],
	"volumes": [{"name": "tmp", "emptyDir": {}}],
}

_workload(spec) := {"kind": "Deployment", "namespace": "payments", "name": "payments-api", "pod_spec": spec}

_input(spec) := {"evidence": {"workload": _workload(spec)}}

# Replaces the named keys of the container (object.union would merge securityContext).
_with_container(changes) := object.union(_pod_spec, {"containers": [object.union(object.remove(_container, object.keys(changes)), changes)]})

_messages(denies) := {v.message | some v in denies}

test_allow_restricted_pod if {
	count(host_isolation.deny) == 0 with input as _input(_pod_spec)
}

test_cannot_verify_without_workload if {
	denies := host_isolation.deny with input as {"evidence": {}, "request": {"service": "payments-api"}, "unavailable": {"workload": "the request carries no manifest"}}
	count(denies) == 1
	some v in denies
	endswith(v.message, ": the request carries no manifest")
	v.evidence == "evidence.workload unavailable"
}

test_deny_when_workload_has_no_pod_spec if {
	denies := host_isolation.deny with input as {"evidence": {"workload": {"kind": "Deployment", "name": "x", "namespace": "y", "pod_spec": "none"}}}
	count(denies) == 1
	some v in denies
	contains(v.message, "Deployment y/x: evidence.workload has no pod spec")
}

test_deny_when_pod_spec_has_no_containers if {
	count(host_isolation.deny) == 1 with input as _input({"containers": "api"})
}

test_allow_host_namespaces_set_to_false if {
	spec := object.union(_pod_spec, {"hostNetwork": false, "hostPID": false, "hostIPC": false})
	count(host_isolation.deny) == 0 with input as _input(spec)
}

test_deny_host_namespaces if {
	spec := object.union(_pod_spec, {"hostNetwork": true, "hostPID": true, "hostIPC": "yes"})
	denies := host_isolation.deny with input as _input(spec)
	_messages(denies) == {
		"Deployment payments/payments-api shares the node's network namespace (hostNetwork)",
		"Deployment payments/payments-api shares the node's process namespace (hostPID)",
		"Deployment payments/payments-api shares the node's IPC namespace (hostIPC)",
	}
	some v in denies
	v.rule == "DFW-WORKLOAD-003"
	v.severity == "critical"
}

test_deny_host_path_volume if {
	spec := object.union(_pod_spec, {"volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]})
	denies := host_isolation.deny with input as _input(spec)
	_messages(denies) == {"Deployment payments/payments-api mounts the node's path /var/run/docker.sock (volume docker)"}
}

test_deny_host_port if {
	denies := host_isolation.deny with input as _input(_with_container({"ports": [{"containerPort": 8080, "hostPort": 80}]}))
	_messages(denies) == {"container api of Deployment payments/payments-api binds host port 80"}
}
