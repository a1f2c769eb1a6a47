package firewall.rules.sbom.banned_packages_test

import data.firewall.rules.sbom.banned_packages

_artifact := {"image": "registry.example.com/payments/api:1.5.0", "digest": "sha256:4f1c"}

_input(components) := {"artifact": _artifact, "evidence": {"sbom": {"format": "cyclonedx", "components": components}}}

_bans := [
	{"name": "log4j-core", "purl_prefix": "pkg:maven/org.apache.logging.log4j/", "introduced": "2.0.0", "fixed": "2.17.1", "reason": "Log4Shell"},
	{"name": "event-stream", "introduced": "3.3.6", "reason": "flatmap-stream backdoor"},
	{"name": "xz-utils", "fixed": "5.6.0"},
	{"name": "left-pad", "reason": "unmaintained"},
]

_messages(denies) := {v.message | some v in denies}

test_allow_versions_outside_the_bans if {
	components := [
		{"name": "log4j-core", "version": "2.17.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"},
		{"name": "log4j-core", "version": "2.14.1", "purl": "pkg:npm/log4j-core@2.14.1"},
		{"name": "event-stream", "version": "3.3.5"},
		{"name": "xz-utils", "version": "v5.6.1"},
		{"name": "zlib", "version": "not-semver"},
	]
	count(banned_packages.deny) == 0 with input as _input(components) with data.firewall.config.sbom.banned_packages as _bans
}

test_deny_version_in_a_banned_range if {
	components := [{"name": "log4j-core", "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]
	denies := banned_packages.deny with input as _input(components) with data.firewall.config.sbom.banned_packages as _bans
	_messages(denies) == {"log4j-core 2.14.1 in registry.example.com/payments/api:1.5.0 (sha256:4f1c) is banned (>= 2.0.0, < 2.17.1): Log4Shell"}
	some v in denies
	v.rule == "DFW-SBOM-003"
	v.severity == "critical"
}

test_deny_open_ranges_and_whole_packages if {
	components := [
		{"name": "event-stream", "version": "4.0.0"},
		{"name": "xz-utils", "version": "5.4.0"},
		{"name": "left-pad", "version": "1.3.0"},
	]
	denies := banned_packages.deny with input as _input(components) with data.firewall.config.sbom.banned_packages as _bans
	_messages(denies) == {
		"event-stream 4.0.0 in registry.example.com/payments/api:1.5.0 (sha256:4f1c) is banned (>= 3.3.6): flatmap-stream backdoor",
		"xz-utils 5.4.0 in registry.example.com/payments/api:1.5.0 (sha256:4f1c) is banned (< 5.6.0): no reason given",
		"left-pad 1.3.0 in registry.example.com/payments/api:1.5.0 (sha256:4f1c) is banned (every version): unmaintained",
	}
}

test_deny_version_that_cannot_be_compared if {
	denies := banned_packages.deny with input as _input([{"name": "xz-utils", "version": "5.6"}]) with data.firewall.config.sbom.banned_packages as _bans
	_messages(denies) == {"xz-utils 5.6 in registry.example.com/payments/api:1.5.0 (sha256:4f1c) may be banned (< 5.6.0), but its version cannot be compared as a semantic version"}
}

test_cannot_verify_without_sbom if {
	count(banned_packages.deny) == 1 with input as {"evidence": {}}
}
