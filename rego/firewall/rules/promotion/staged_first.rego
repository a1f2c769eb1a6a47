# METADATA
# description: DFW-PROMOTION-001 — a digest reaches production only after it soaked in staging.
package firewall.rules.promotion.staged_first

import data.firewall.lib

# METADATA
# title: Promoted only after the same digest was allowed in staging
# description: >-
#   In an environment that bundle data (promotion.<environment>) says is promoted to, the
#   deployed digest was allowed by dfw itself in the environment before it (for example
#   staging) at least min_hours before this request. The promotion collector reads that
#   from dfw's own decision log, so it cannot be forged by the caller's pipeline, and the
#   time is compared with the request time so replays decide the same. Controls: NIST SP
#   800-53 CM-3 (configuration change control: changes tested before implementation) and
#   SA-11 (developer testing), SOC 2 CC8.1 (changes are tested before implementation),
#   CIS-SSCS 5.2.1 (deployments are automated and go through the same stages).
# custom:
#   id: DFW-PROMOTION-001
#   severity: high
#   category: promotion
#   remediation: >-
#     Deploy the same digest to the earlier environment first, let it run there for the
#     required time, then promote it; do not rebuild between environments.
#   controls:
#     - NIST-800-53:CM-3
#     - NIST-800-53:SA-11
#     - SOC2:CC8.1
#     - CIS-SSCS:5.2.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

# By the enforced environment: a name the bundle does not list is enforced as production and
# must be promoted as production is (lib.enforced_environment).
_stage := stage if {
	stage := data.firewall.config.promotion[lib.enforced_environment]
	is_object(stage)
}

_from := lib.text(_stage, "from", "staging")

_min_hours := object.get(_stage, "min_hours", 0)

_promotion := input.evidence.promotion

_digest := lib.field("artifact", "digest", "<unknown digest>")

_findings contains lib.cannot_verify("promotion", sprintf("that %s was allowed in %s first", [_digest, _from])) if {
	_stage
	lib.missing("promotion")
}

_findings contains lib.finding(
	sprintf("%s was never allowed in %s; deploy it there before %s", [_digest, _from, lib.environment]),
	sprintf("promotion: no allowed decision in %s for %s", [_from, _digest]),
) if {
	_stage
	not lib.missing("promotion")
	not _allowed_ns
}

_findings contains lib.finding(
	sprintf("%s was first allowed in %s at %s, less than %s hours before this request", [_digest, _from, _first.first_at, lib.number_text(_min_hours)]),
	sprintf("promotion.allowed.%s.first_at = %s; request.time = %s", [_from, _first.first_at, lib.field("request", "time", "<unknown time>")]),
) if {
	_stage
	_allowed_ns + (_min_hours * 3600000000000) > lib.request_ns
}

# The collector lists, per environment, the first decision that allowed this digest; the
# environment that counts is the one bundle data names, not one the evidence picks.
_first := _promotion.allowed[_from]

_allowed_ns := lib.parse_time(_first.first_at)
