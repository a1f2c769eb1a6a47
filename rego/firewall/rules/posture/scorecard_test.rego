package firewall.rules.posture.scorecard_test

import data.firewall.rules.posture.scorecard

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_scorecard := {
	"tool": "OpenSSF Scorecard",
	"score": 8,
	"checks": [{"name": "Branch-Protection", "score": 8}, {"name": "Pinned-Dependencies", "score": 10}],
}

_input(result) := {"source": _source, "evidence": {"scorecard": result}}

_messages(denies) := {v.message | some v in denies}

test_allow_score_above_the_minimum if {
	count(scorecard.deny) == 0 with input as _input(_scorecard)
		with data.firewall.config as {"posture": {"min_score": 7, "min_check_scores": {"Branch-Protection": 5}}}
}

test_deny_score_below_the_minimum if {
	denies := scorecard.deny with input as _input(object.union(_scorecard, {"score": 4}))
		with data.firewall.config as {"posture": {"min_score": 7}}
	_messages(denies) == {"github.com/acme/payments scores 4 on OpenSSF Scorecard; at least 7 is required"}
	some v in denies
	v.rule == "DFW-POSTURE-001"
	v.severity == "medium"
}

test_default_minimum_is_seven if {
	count(scorecard.deny) == 1 with input as _input(object.union(_scorecard, {"score": 6}))
		with data.firewall.config as {}
}

test_deny_check_below_its_minimum_or_missing if {
	denies := scorecard.deny with input as _input(_scorecard)
		with data.firewall.config as {"posture": {"min_score": 7, "min_check_scores": {"Branch-Protection": 9, "Token-Permissions": 5}}}
	_messages(denies) == {
		"github.com/acme/payments scores 8 on the Scorecard check Branch-Protection; at least 9 is required",
		"github.com/acme/payments scores nothing (the check is missing) on the Scorecard check Token-Permissions; at least 5 is required",
	}
}

test_deny_without_overall_score if {
	denies := scorecard.deny with input as _input({"checks": []}) with data.firewall.config as {}
	_messages(denies) == {"the OpenSSF Scorecard result for github.com/acme/payments has no overall score"}
}

test_cannot_verify_without_scorecard if {
	denies := scorecard.deny with input as {"source": _source, "evidence": {}}
	_messages(denies) == {"cannot verify the OpenSSF Scorecard score of github.com/acme/payments: no evidence was provided"}
}
