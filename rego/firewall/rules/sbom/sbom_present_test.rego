package firewall.rules.sbom.sbom_present_test

import data.firewall.rules.sbom.sbom_present

_artifact := {"image": "registry.example.com/payments/api:1.5.0", "digest": "sha256:4f1c"}

_messages(denies) := {v.message | some v in denies}

test_allow_sbom_with_components if {
	sbom := {"format": "cyclonedx", "spec_version": "1.6", "components": [{"name": "zlib", "version": "1.3.1", "licenses": ["Zlib"]}]}
	count(sbom_present.deny) == 0 with input as {"artifact": _artifact, "evidence": {"sbom": sbom}}
}

test_deny_sbom_without_components_list if {
	denies := sbom_present.deny with input as {"artifact": _artifact, "evidence": {"sbom": {"format": "spdx"}}}
	_messages(denies) == {"the SBOM of registry.example.com/payments/api:1.5.0 (sha256:4f1c) has no list of components"}
	some v in denies
	v.rule == "DFW-SBOM-001"
	v.severity == "high"
}

test_cannot_verify_without_sbom if {
	denies := sbom_present.deny with input as {"artifact": _artifact, "evidence": {}, "unavailable": {"sbom": "no SBOM was pushed for this digest"}}
	_messages(denies) == {"cannot verify that an SBOM lists the components of registry.example.com/payments/api:1.5.0 (sha256:4f1c): no SBOM was pushed for this digest"}
}
