package firewall.rules.sbom.banned_licenses_test

import data.firewall.rules.sbom.banned_licenses

_artifact := {"image": "registry.example.com/payments/api:1.5.0", "digest": "sha256:4f1c"}

_input(components) := {"artifact": _artifact, "evidence": {"sbom": {"format": "cyclonedx", "components": components}}}

_config := {"banned_licenses": ["GPL-3.0-only", "AGPL-3.0-only", "GPL-2.0-only"], "allowed_exceptions": ["Classpath-exception-2.0"]}

_messages(denies) := {v.message | some v in denies}

test_allow_a_choice_without_banned_licence if {
	components := [
		{"name": "dual", "version": "1.0.0", "licenses": ["MIT OR GPL-3.0-only"], "license_choices": [["MIT"], ["GPL-3.0-only"]]},
		{"name": "zlib", "version": "1.3.1", "licenses": ["Zlib"], "license_choices": [["Zlib"]]},
		{"name": "plain", "licenses": ["Apache-2.0"]},
		{"name": "unlicensed", "licenses": []},
	]
	count(banned_licenses.deny) == 0 with input as _input(components) with data.firewall.config.sbom as _config
}

test_allow_banned_licence_with_allowed_exception if {
	components := [{"name": "jdk", "license_choices": [["GPL-2.0-only WITH Classpath-exception-2.0"]]}]
	count(banned_licenses.deny) == 0 with input as _input(components) with data.firewall.config.sbom as _config
}

test_deny_when_every_choice_has_a_banned_licence if {
	components := [{
		"name": "strict", "version": "2.1.0",
		"licenses": ["MIT AND GPL-3.0-only"],
		"license_choices": [["MIT", "GPL-3.0-only"]],
	}]
	denies := banned_licenses.deny with input as _input(components) with data.firewall.config.sbom as _config
	_messages(denies) == {"strict 2.1.0 of registry.example.com/payments/api:1.5.0 (sha256:4f1c) can only be used under banned licences: (MIT AND GPL-3.0-only)"}
	some v in denies
	v.rule == "DFW-SBOM-002"
	v.severity == "high"
}

test_deny_banned_licence_with_other_exception if {
	components := [{"name": "lib", "license_choices": [["GPL-2.0-only WITH Bison-exception-2.2"], ["AGPL-3.0-only"]]}]
	denies := banned_licenses.deny with input as _input(components) with data.firewall.config.sbom as _config
	_messages(denies) == {"lib <unknown version> of registry.example.com/payments/api:1.5.0 (sha256:4f1c) can only be used under banned licences: (GPL-2.0-only WITH Bison-exception-2.2) OR (AGPL-3.0-only)"}
}

test_deny_plain_banned_licence_names if {
	count(banned_licenses.deny) == 1 with input as _input([{"name": "x", "licenses": ["AGPL-3.0-only"]}]) with data.firewall.config.sbom as _config
}

test_deny_expression_without_parsed_form if {
	denies := banned_licenses.deny with input as _input([{"name": "x", "version": "1", "licenses": ["(MIT OR AGPL-3.0-only)"]}]) with data.firewall.config.sbom as _config
	_messages(denies) == {"x 1 of registry.example.com/payments/api:1.5.0 (sha256:4f1c) has the licence expression \"(MIT OR AGPL-3.0-only)\", which dfw cannot evaluate without its parsed form (license_choices)"}
}

test_malformed_terms_are_not_banned_names if {
	count(banned_licenses.deny) == 0 with input as _input([{"name": "x", "license_choices": [[7], "MIT"]}]) with data.firewall.config.sbom as _config
}

test_cannot_verify_without_sbom if {
	count(banned_licenses.deny) == 1 with input as {"evidence": {"sbom": null}}
}
