# METADATA
# description: DFW-SBOM-003 — no component is a package version the security team banned.
package firewall.rules.sbom.banned_packages

import data.firewall.lib

# METADATA
# title: No banned package versions
# description: >-
#   No component of the deployed image's SBOM is a package version the security team
#   banned in bundle data (sbom.banned_packages: a name, optionally a purl prefix, and a
#   version range from `introduced` up to but not including `fixed`, compared as semantic
#   versions; no range bans every version). A matching component whose version cannot be
#   compared is denied. Controls: NIST SP 800-53 CM-10 (software usage restrictions) and
#   SR-3 (supply chain controls), CIS-SSCS 3.2.1 (an organization-wide dependency usage
#   policy is enforced), OWASP CICD-SEC-3 (dependency chain abuse), SOC 2 CC7.1.
# custom:
#   id: DFW-SBOM-003
#   severity: critical
#   category: sbom
#   remediation: >-
#     Upgrade the package to a version outside the banned range (at least its `fixed`
#     version) or remove it, rebuild, push the new SBOM and deploy the new digest.
#   controls:
#     - NIST-800-53:CM-10
#     - NIST-800-53:SR-3
#     - CIS-SSCS:3.2.1
#     - OWASP-CICD:CICD-SEC-3
#     - SOC2:CC7.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("sbom", sprintf("that %s contains no banned package", [lib.artifact_ref])) if {
	lib.missing("sbom")
}

_findings contains lib.finding(
	sprintf("%s %s in %s is banned (%s): %s", [c.name, _version_text(c), lib.artifact_ref, _range_text(ban), lib.text(ban, "reason", "no reason given")]),
	sprintf("sbom.components: %s %s matches sbom.banned_packages %s", [c.name, _version_text(c), _range_text(ban)]),
) if {
	some c in _components
	some ban in _bans
	_matches(c, ban)
	_in_range(c, ban)
}

_findings contains lib.finding(
	sprintf("%s %s in %s may be banned (%s), but its version cannot be compared as a semantic version", [c.name, _version_text(c), lib.artifact_ref, _range_text(ban)]),
	sprintf("sbom.components: %s version %s is not semver", [c.name, _version_text(c)]),
) if {
	some c in _components
	some ban in _bans
	_matches(c, ban)
	_has_range(ban)
	not _comparable(c)
}

_components := [c | some c in lib.list(input.evidence.sbom, "components"); is_object(c); is_string(c.name)]

_bans := [b | some b in object.get(data.firewall.config, ["sbom", "banned_packages"], []); is_string(b.name)]

_matches(c, ban) if {
	c.name == ban.name
	not ban.purl_prefix
}

_matches(c, ban) if {
	c.name == ban.name
	startswith(lib.text(c, "purl", ""), ban.purl_prefix)
}

_has_range(ban) if ban.introduced
_has_range(ban) if ban.fixed

_comparable(c) if semver.is_valid(_semver(c))

# A leading "v" is common in tags and some ecosystems; semver itself has none.
_semver(c) := trim_prefix(c.version, "v") if is_string(c.version)

_in_range(_, ban) if not _has_range(ban)

_in_range(c, ban) if {
	_has_range(ban)
	_comparable(c)
	_at_or_after_introduced(c, ban)
	_before_fixed(c, ban)
}

_at_or_after_introduced(_, ban) if not ban.introduced

_at_or_after_introduced(c, ban) if {
	semver.is_valid(ban.introduced)
	semver.compare(_semver(c), ban.introduced) >= 0
}

_before_fixed(_, ban) if not ban.fixed

_before_fixed(c, ban) if {
	semver.is_valid(ban.fixed)
	semver.compare(_semver(c), ban.fixed) < 0
}

_version_text(c) := lib.text(c, "version", "<unknown version>")

_range_text(ban) := "every version" if {
	not _has_range(ban)
} else := sprintf(">= %s, < %s", [ban.introduced, ban.fixed]) if {
	is_string(ban.introduced)
	is_string(ban.fixed)
} else := sprintf(">= %s", [ban.introduced]) if {
	is_string(ban.introduced)
} else := sprintf("< %s", [lib.text(ban, "fixed", "?")])
