package firewall.rules.artifact.registry_digest_test

import data.firewall.rules.artifact.registry_digest

_v142 := "sha256:9a1f3c5e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"

_v141 := "sha256:2c4e6a8b0d1f3e5a7c9b2d4f6e8a0c1b3d5f7e9a2c4b6d8f0e1a3c5b7d9f2e4a"

_v150 := "sha256:7e9b1d3f5a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b"

_rogue := "sha256:0badc0de5eed1e55f00dfacecafe0ddba11c0ffee5a1ad0fbeefdeadd00dfeed"

_artifact := {
	"image": "registry.example.com/payments/api:1.4.2",
	"digest": _v142,
	"registry": "registry.example.com",
	"repository": "payments/api",
	"tag": "1.4.2",
}

_registry := {"digest": _v142, "tags": {"1.4.1": _v141, "1.4.2": _v142, "1.5.0": _v150}, "latest": "1.5.0"}

_workload(cluster, digest) := {
	"cluster": cluster,
	"namespace": "payments",
	"name": "payments-api",
	"image": "registry.example.com/payments/api:1.4.1",
	"digest": digest,
}

_runtime := {"workloads": [_workload("prod-eu", _v141), _workload("prod-us", _v142)]}

_input(artifact, registry, runtime) := {"artifact": artifact, "evidence": {"registry": registry, "runtime": runtime}}

_messages(denies) := {v.message | some v in denies}

test_allow_digest_matching_registry_with_known_workloads if {
	count(registry_digest.deny) == 0 with input as _input(_artifact, _registry, _runtime)
}

test_allow_first_deployment_with_no_workloads if {
	count(registry_digest.deny) == 0 with input as _input(_artifact, _registry, {"workloads": []})
}

test_allow_workload_known_only_by_the_deployed_digest if {
	registry := {"digest": _v142}
	runtime := {"workloads": [_workload("prod-eu", _v142)]}
	count(registry_digest.deny) == 0 with input as _input(_artifact, registry, runtime)
}

test_deny_when_digest_differs_from_registry if {
	artifact := object.union(_artifact, {"digest": _rogue})
	denies := registry_digest.deny with input as _input(artifact, _registry, _runtime)
	_messages(denies) == {sprintf("registry.example.com/payments/api:1.4.2 is requested at %s, but the registry holds %s for that tag", [_rogue, _v142])}
	some v in denies
	v.rule == "DFW-ARTIFACT-001"
	v.severity == "critical"
	v.category == "artifact"
	v.title == "The artifact matches the registry by hash"
	v.evidence == sprintf("artifact.digest = %s; registry.digest = %s", [_rogue, _v142])
}

test_deny_when_registry_has_no_digest_for_tag if {
	registry := object.remove(_registry, ["digest"])
	denies := registry_digest.deny with input as _input(_artifact, registry, _runtime)
	_messages(denies) == {sprintf("registry.example.com/payments/api:1.4.2 is requested at %s, but the registry holds <no digest> for that tag", [_v142])}
}

test_deny_when_request_names_no_digest if {
	denies := registry_digest.deny with input as _input(object.remove(_artifact, ["digest"]), _registry, _runtime)
	_messages(denies) == {"the request to deploy registry.example.com/payments/api:1.4.2 names no digest; deploy by digest so that the registry can vouch for it"}
}

test_deny_when_request_digest_is_empty if {
	denies := registry_digest.deny with input as _input(object.union(_artifact, {"digest": ""}), _registry, _runtime)
	count(denies) == 1
}

test_deny_when_workload_runs_unknown_digest if {
	runtime := {"workloads": [_workload("prod-eu", _v141), _workload("prod-us", _rogue)]}
	denies := registry_digest.deny with input as _input(_artifact, _registry, runtime)
	_messages(denies) == {sprintf("workload prod-us/payments/payments-api runs registry.example.com/payments/api:1.4.1 at %s, a digest the registry does not know; it may be an unauthorized workload", [_rogue])}
}

test_deny_when_registry_lists_no_tags_and_workload_runs_another_digest if {
	registry := {"digest": _v142, "tags": null}
	runtime := {"workloads": [_workload("prod-eu", _v141)]}
	denies := registry_digest.deny with input as _input(_artifact, registry, runtime)
	_messages(denies) == {sprintf("workload prod-eu/payments/payments-api runs registry.example.com/payments/api:1.4.1 at %s, a digest the registry does not know; it may be an unauthorized workload", [_v141])}
}

test_deny_when_workload_reports_no_digest if {
	denies := registry_digest.deny with input as _input(_artifact, _registry, {"workloads": [{"cluster": "prod-eu"}]})
	_messages(denies) == {"workload prod-eu/<unknown namespace>/<unknown workload> runs <unknown image> at <no digest>, a digest the registry does not know; it may be an unauthorized workload"}
}

test_deny_when_workloads_are_not_a_list if {
	denies := registry_digest.deny with input as _input(_artifact, _registry, {"prod-eu": _workload("prod-eu", _v141)})
	_messages(denies) == {"cannot verify the digests the clusters run for registry.example.com/payments/api:1.4.2: evidence.runtime.workloads is not a list"}
}

test_cannot_verify_when_registry_evidence_missing if {
	denies := registry_digest.deny with input as {
		"artifact": _artifact,
		"evidence": {"runtime": _runtime},
		"unavailable": {"registry": "registry.example.com answered 401: unauthorized"},
	}
	_messages(denies) == {"cannot verify the registry digest of registry.example.com/payments/api:1.4.2: registry.example.com answered 401: unauthorized"}
	some v in denies
	v.severity == "critical"
	v.evidence == "evidence.registry unavailable"
}

test_cannot_verify_when_runtime_evidence_missing if {
	denies := registry_digest.deny with input as {
		"artifact": _artifact,
		"evidence": {"registry": _registry},
		"unavailable": {"runtime": "cluster prod-eu: connection refused"},
	}
	_messages(denies) == {"cannot verify the digests the clusters run for registry.example.com/payments/api:1.4.2: cluster prod-eu: connection refused"}
	some v in denies
	v.evidence == "evidence.runtime unavailable"
}

test_cannot_verify_without_reason if {
	denies := registry_digest.deny with input as {"evidence": {"registry": null}}
	_messages(denies) == {
		"cannot verify the registry digest of <unknown image>: no evidence was provided",
		"cannot verify the digests the clusters run for <unknown image>: no evidence was provided",
		"the request to deploy <unknown image> names no digest; deploy by digest so that the registry can vouch for it",
	}
}
