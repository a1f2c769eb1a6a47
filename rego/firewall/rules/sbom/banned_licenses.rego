# METADATA
# description: DFW-SBOM-002 — no component can only be used under a licence the company bans.
package firewall.rules.sbom.banned_licenses

import data.firewall.lib

# METADATA
# title: No component under a banned licence
# description: >-
#   No component of the deployed image's SBOM can be used only under a licence in bundle
#   data (sbom.banned_licenses, SPDX identifiers such as AGPL-3.0-only). SPDX licence
#   expressions are evaluated, not matched as text: the evidence parser turns each
#   component's expression into its alternatives (disjunctive normal form), and a component
#   is allowed when at least one alternative uses no banned licence, so "MIT OR
#   GPL-3.0-only" is allowed and "MIT AND GPL-3.0-only" is not. "X WITH exception" counts
#   as X unless the exception is in sbom.allowed_exceptions. Controls: NIST SP 800-53 CM-10
#   (software usage restrictions), CIS-SSCS 3.2.3 (packages are automatically scanned for
#   license implications) and 1.5.6 (scanners are in place for open-source license
#   issues). The SOC 2 criteria have no licence control, so none is claimed.
# custom:
#   id: DFW-SBOM-002
#   severity: high
#   category: sbom
#   remediation: >-
#     Replace the component with one under an allowed licence, or take it under one of
#     the alternatives its expression offers and record that choice in the SBOM
#     (licenseConcluded). Legal may grant a time-limited waiver.
#   controls:
#     - NIST-800-53:CM-10
#     - CIS-SSCS:3.2.3
#     - CIS-SSCS:1.5.6
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_sbom := input.evidence.sbom

_findings contains lib.cannot_verify("sbom", sprintf("the licences of the components of %s", [lib.artifact_ref])) if {
	lib.missing("sbom")
}

_findings contains lib.finding(
	sprintf("%s %s of %s can only be used under banned licences: %s", [_name(c), _version(c), lib.artifact_ref, _describe(c)]),
	sprintf("sbom.components[%s].license_choices: every choice has a banned licence", [_name(c)]),
) if {
	some c in _components
	choices := _choices(c)
	count(choices) > 0
	every choice in choices {
		_banned_in(choice)
	}
}

# Without the parsed form, an expression cannot be evaluated: fail closed rather than
# compare "MIT AND AGPL-3.0-only" with the banned list as a name.
_findings contains lib.finding(
	sprintf("%s %s of %s has the licence expression \"%s\", which dfw cannot evaluate without its parsed form (license_choices)", [_name(c), _version(c), lib.artifact_ref, expression]),
	sprintf("sbom.components[%s].licenses has an expression and no license_choices", [_name(c)]),
) if {
	some c in _components
	not _parsed(c)
	some expression in lib.list(c, "licenses")
	is_string(expression)
	regex.match(`\s(OR|AND|WITH)\s|[()]`, expression)
}

_components := [c | some c in lib.list(_sbom, "components"); is_object(c)]

_parsed(c) if is_array(c.license_choices)

# Each alternative is a list of terms that all apply. Without the parsed form, the plain
# licence names apply together.
_choices(c) := [choice | some choice in c.license_choices; is_array(choice)] if {
	_parsed(c)
} else := [[l | some l in lib.list(c, "licenses"); is_string(l)]]

_banned_in(choice) if {
	some term in choice
	_banned(term)
}

_banned(term) if {
	is_string(term)
	parts := split(term, " WITH ")
	parts[0] in _banned_licenses
	not _allowed_exception(parts)
}

_allowed_exception(parts) if {
	count(parts) == 2
	parts[1] in object.get(data.firewall.config, ["sbom", "allowed_exceptions"], [])
}

_banned_licenses := {l | some l in object.get(data.firewall.config, ["sbom", "banned_licenses"], []); is_string(l)}

_describe(c) := concat(" OR ", [sprintf("(%s)", [concat(" AND ", [_term(t) | some t in choice])]) | some choice in _choices(c)])

_term(t) := t if is_string(t)

else := json.marshal(t)

_name(c) := lib.text(c, "name", "<unnamed component>")

_version(c) := lib.text(c, "version", "<unknown version>")
