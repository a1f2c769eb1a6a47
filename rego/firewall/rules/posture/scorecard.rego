# METADATA
# description: DFW-POSTURE-001 — the source repository's OpenSSF Scorecard score meets the bar.
package firewall.rules.posture.scorecard

import data.firewall.lib

# METADATA
# title: OpenSSF Scorecard score at or above the minimum
# description: >-
#   The OpenSSF Scorecard result for the deployed repository (`scorecard --format json`,
#   pushed with `dfw evidence push --kind scorecard`) scores at least posture.min_score
#   (bundle data, default 7 of 10) overall, and each check listed in
#   posture.min_check_scores at least its minimum. Scorecard rolls up branch protection,
#   pinned dependencies, token permissions, dangerous workflows, code review and more into
#   one comparable number. A check Scorecard could not run (score -1) counts as failing.
#   Controls: NIST SP 800-53 SR-6 (supplier assessments and reviews) and CA-7 (continuous
#   monitoring), SOC 2 CC9.2 (vendor and business partner risk), OWASP CICD-SEC-3 and
#   CICD-SEC-7.
# custom:
#   id: DFW-POSTURE-001
#   severity: medium
#   category: posture
#   remediation: >-
#     Run `scorecard --repo=<repository> --format json`, fix the lowest-scoring checks (its
#     output names a remediation for each), and push the new result with `dfw evidence
#     push --kind scorecard --subject <repository>@<commit>`.
#   controls:
#     - NIST-800-53:SR-6
#     - NIST-800-53:CA-7
#     - SOC2:CC9.2
#     - OWASP-CICD:CICD-SEC-3
#     - OWASP-CICD:CICD-SEC-7
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_scorecard := input.evidence.scorecard

_repository_name := lib.field("source", "repository", "<unknown repository>")

_config := object.get(data.firewall.config, "posture", {})

_min_score := object.get(_config, "min_score", 7)

_findings contains lib.cannot_verify("scorecard", sprintf("the OpenSSF Scorecard score of %s", [_repository_name])) if {
	lib.missing("scorecard")
}

_findings contains lib.finding(
	sprintf("the OpenSSF Scorecard result for %s has no overall score", [_repository_name]),
	"scorecard.score is not a number",
) if {
	not lib.missing("scorecard")
	not _scored
}

_findings contains lib.finding(
	sprintf("%s scores %s on OpenSSF Scorecard; at least %s is required", [_repository_name, lib.number_text(_scorecard.score), lib.number_text(_min_score)]),
	sprintf("scorecard.score = %s", [lib.number_text(_scorecard.score)]),
) if {
	_scored
	_scorecard.score < _min_score
}

_findings contains lib.finding(
	sprintf("%s scores %s on the Scorecard check %s; at least %s is required", [_repository_name, _check_text(check), check, lib.number_text(minimum)]),
	sprintf("scorecard.checks[%s].score = %s", [check, _check_text(check)]),
) if {
	not lib.missing("scorecard")
	some check, minimum in object.get(_config, "min_check_scores", {})
	is_number(minimum)
	not _check_passes(check, minimum)
}

_scored if is_number(_scorecard.score)

# A check listed twice counts with its lower score.
_check_score(check) := min(scores) if {
	scores := {c.score | some c in lib.list(_scorecard, "checks"); c.name == check; is_number(c.score)}
	count(scores) > 0
}

_check_passes(check, minimum) if _check_score(check) >= minimum

_check_text(check) := lib.number_text(_check_score(check)) if {
	_check_score(check)
} else := "nothing (the check is missing)"
