package firewall.rules.workload.capabilities_test

import data.firewall.rules.workload.capabilities

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
	count(capabilities.deny) == 0 with input as _input(_pod_spec)
}

test_cannot_verify_without_workload if {
	denies := capabilities.deny with input as {"evidence": {}, "request": {"service": "payments-api"}, "unavailable": {"workload": "the request carries no manifest"}}
	count(denies) == 1
	some v in denies
	endswith(v.message, ": the request carries no manifest")
	v.evidence == "evidence.workload unavailable"
}

test_deny_when_workload_has_no_pod_spec if {
	denies := capabilities.deny with input as {"evidence": {"workload": {"kind": "Deployment", "name": "x", "namespace": "y", "pod_spec": "none"}}}
	count(denies) == 1
	some v in denies
	contains(v.message, "Deployment y/x: evidence.workload has no pod spec")
}

test_deny_when_pod_spec_has_no_containers if {
	count(capabilities.deny) == 1 with input as _input({"containers": "api"})
}

test_allow_net_bind_service if {
	sc := object.union(_container.securityContext, {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})
	count(capabilities.deny) == 0 with input as _input(_with_container({"securityContext": sc}))
}

test_deny_when_all_is_not_dropped if {
	sc := object.union(_container.securityContext, {"capabilities": {"drop": ["NET_RAW"]}})
	denies := capabilities.deny with input as _input(_with_container({"securityContext": sc}))
	_messages(denies) == {"container api of Deployment payments/payments-api does not drop ALL capabilities"}
	some v in denies
	v.rule == "DFW-WORKLOAD-004"
	v.severity == "high"
}

test_deny_when_capabilities_are_added if {
	sc := object.union(_container.securityContext, {"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN", "NET_BIND_SERVICE", 7]}})
	denies := capabilities.deny with input as _input(_with_container({"securityContext": sc}))
	_messages(denies) == {"container api of Deployment payments/payments-api adds capabilities 7, SYS_ADMIN; only NET_BIND_SERVICE may be added"}
}

test_deny_without_security_context if {
	denies := capabilities.deny with input as {"evidence": {"workload": {"kind": "Deployment", "pod_spec": {"containers": [{"name": "api"}]}}}}
	_messages(denies) == {"container api of Deployment <no namespace>/<unnamed> does not drop ALL capabilities"}
}
