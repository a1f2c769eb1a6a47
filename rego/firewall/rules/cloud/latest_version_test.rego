package firewall.rules.cloud.latest_version_test

import data.firewall.rules.cloud.latest_version

_artifact(tag) := {
	"image": sprintf("registry.example.com/payments/api:%s", [tag]),
	"digest": "sha256:9a1f3c5e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a",
	"registry": "registry.example.com",
	"repository": "payments/api",
	"tag": tag,
}

_tags := {
	"1.3.9": "sha256:5d7f9b1c3e5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e",
	"1.4.1": "sha256:2c4e6a8b0d1f3e5a7c9b2d4f6e8a0c1b3d5f7e9a2c4b6d8f0e1a3c5b7d9f2e4a",
	"1.4.2": "sha256:9a1f3c5e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a",
	"1.5.0-rc.1": "sha256:3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d",
	"1.5.0": "sha256:7e9b1d3f5a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b",
	"1.10.0-beta.2": "sha256:8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a",
	"latest": "sha256:7e9b1d3f5a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b",
}

_registry := {
	"digest": "sha256:7e9b1d3f5a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b",
	"tags": object.remove(_tags, ["1.10.0-beta.2"]),
	"latest": "1.5.0",
}

_input(artifact, registry) := {"artifact": artifact, "evidence": {"registry": registry}}

_messages(denies) := {v.message | some v in denies}

test_allow_newest_version if {
	count(latest_version.deny) == 0 with input as _input(_artifact("1.5.0"), _registry)
}

test_allow_newest_version_with_v_prefix if {
	registry := object.union(_registry, {"tags": {"v1.4.2": _tags["1.4.2"], "v1.5.0": _tags["1.5.0"]}})
	count(latest_version.deny) == 0 with input as _input(_artifact("1.5.0"), registry)
}

test_allow_version_newer_than_registry if {
	count(latest_version.deny) == 0 with input as _input(_artifact("1.6.0"), _registry)
}

test_allow_release_over_its_release_candidate if {
	registry := object.union(_registry, {"tags": {"1.5.0-rc.1": _tags["1.5.0-rc.1"], "1.5.0": _tags["1.5.0"], "1.5.0+build.417": _tags["1.5.0"]}})
	count(latest_version.deny) == 0 with input as _input(_artifact("v1.5.0"), registry)
}

test_allow_non_semver_tag_that_is_the_registry_latest if {
	registry := {"digest": _registry.digest, "tags": {"stable": _registry.digest, "edge": _tags["1.4.1"]}, "latest": "stable"}
	count(latest_version.deny) == 0 with input as _input(_artifact("stable"), registry)
}

test_allow_semver_latest_when_no_tag_is_semver if {
	registry := {"digest": _registry.digest, "tags": {"latest": _registry.digest}, "latest": "1.5.0"}
	count(latest_version.deny) == 0 with input as _input(_artifact("1.5.0"), registry)
}

test_deny_when_older_than_newest_tag if {
	denies := latest_version.deny with input as _input(_artifact("1.4.2"), _registry)
	_messages(denies) == {"payments/api 1.4.2 is older than 1.5.0, the newest version in the registry"}
	some v in denies
	v.rule == "DFW-CLOUD-001"
	v.severity == "medium"
	v.category == "cloud"
	v.title == "The deployed version is the latest in the registry (semver-aware)"
	v.evidence == "artifact.tag = 1.4.2; newest registry version = 1.5.0"
}

test_deny_when_release_candidate_of_released_version if {
	denies := latest_version.deny with input as _input(_artifact("1.5.0-rc.1"), _registry)
	_messages(denies) == {"payments/api 1.5.0-rc.1 is older than 1.5.0, the newest version in the registry"}
}

test_deny_compares_numerically_not_as_text if {
	tags := object.union(_tags, {"1.10.0": "sha256:1f3a5c7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3b"})
	denies := latest_version.deny with input as _input(_artifact("1.5.0"), object.union(_registry, {"tags": tags}))
	_messages(denies) == {"payments/api 1.5.0 is older than 1.10.0, the newest version in the registry"}
}

test_allow_stable_release_when_only_a_pre_release_is_newer if {
	count(latest_version.deny) == 0 with input as _input(_artifact("1.5.0"), object.union(_registry, {"tags": _tags}))
}

test_deny_pre_release_older_than_a_newer_pre_release if {
	denies := latest_version.deny with input as _input(_artifact("1.5.0-rc.1"), object.union(_registry, {"tags": _tags}))
	_messages(denies) == {"payments/api 1.5.0-rc.1 is older than 1.10.0-beta.2, the newest version in the registry"}
}

test_deny_when_older_than_registry_latest_fallback if {
	registry := {"digest": _registry.digest, "tags": {"latest": _registry.digest}, "latest": "v2.0.0"}
	denies := latest_version.deny with input as _input(_artifact("1.5.0"), registry)
	_messages(denies) == {"payments/api 1.5.0 is older than v2.0.0, the newest version in the registry"}
}

test_deny_when_tag_is_not_semver if {
	denies := latest_version.deny with input as _input(_artifact("latest"), _registry)
	_messages(denies) == {"payments/api tag latest is not a semantic version; cannot compare it with 1.5.0, the newest version in the registry"}
}

test_deny_when_registry_latest_is_not_semver if {
	registry := {"digest": _registry.digest, "tags": {"stable": _registry.digest}, "latest": "stable"}
	denies := latest_version.deny with input as _input(_artifact("1.4.2"), registry)
	_messages(denies) == {"payments/api 1.4.2 cannot be compared with stable, the registry's latest version, which is not a semantic version"}
}

test_deny_when_request_names_no_tag if {
	artifact := object.remove(_artifact("1.4.2"), ["tag"])
	denies := latest_version.deny with input as _input(artifact, _registry)
	_messages(denies) == {"the request to deploy payments/api names no tag; cannot compare it with 1.5.0, the newest version in the registry"}
}

test_deny_when_registry_names_no_version if {
	registry := {"digest": _registry.digest, "tags": {"latest": _registry.digest}}
	denies := latest_version.deny with input as _input(_artifact("1.4.2"), registry)
	_messages(denies) == {"the registry lists no semantic-version tag and no latest version for payments/api; cannot tell whether 1.4.2 is the newest"}
}

test_deny_when_neither_registry_nor_request_names_a_version if {
	denies := latest_version.deny with input as {"evidence": {"registry": {"tags": null, "latest": ""}}}
	_messages(denies) == {"the registry lists no semantic-version tag and no latest version for <unknown image>; cannot tell whether the deployed version is the newest"}
}

test_cannot_verify_when_evidence_missing if {
	denies := latest_version.deny with input as {
		"artifact": _artifact("1.4.2"),
		"evidence": {},
		"unavailable": {"registry": "registry.example.com answered 503: Service Unavailable"},
	}
	_messages(denies) == {"cannot verify that registry.example.com/payments/api:1.4.2 is the newest version in the registry: registry.example.com answered 503: Service Unavailable"}
	some v in denies
	v.severity == "medium"
	v.evidence == "evidence.registry unavailable"
}

test_cannot_verify_without_reason if {
	denies := latest_version.deny with input as {"evidence": {"registry": null}}
	_messages(denies) == {"cannot verify that <unknown image> is the newest version in the registry: no evidence was provided"}
}
