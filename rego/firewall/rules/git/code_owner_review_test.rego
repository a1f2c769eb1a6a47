package firewall.rules.git.code_owner_review_test

import data.firewall.rules.git.code_owner_review

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(protection) := {"source": _source, "evidence": {"branch_protection": protection}}

_messages(denies) := {v.message | some v in denies}

test_allow_when_require_code_owner_reviews_is_on if {
	count(code_owner_review.deny) == 0 with input as _input({"protected": true, "require_code_owner_reviews": true})
}

test_deny_when_require_code_owner_reviews_is_off if {
	denies := code_owner_review.deny with input as _input({"protected": true, "require_code_owner_reviews": false})
	_messages(denies) == {"branch github.com/acme/payments@main does not require a review from code owners"}
	some v in denies
	v.rule == "DFW-GIT-003"
	v.severity == "medium"
	v.category == "git"
}

test_deny_when_require_code_owner_reviews_is_absent if {
	count(code_owner_review.deny) == 1 with input as _input({"protected": true})
}

test_deny_when_require_code_owner_reviews_is_not_a_boolean if {
	count(code_owner_review.deny) == 1 with input as _input({"protected": true, "require_code_owner_reviews": "true"})
}

test_cannot_verify_without_branch_protection if {
	denies := code_owner_review.deny with input as {"source": _source, "evidence": {"branch_protection": null}}
	_messages(denies) == {"cannot verify the code owner review setting of github.com/acme/payments@main: no evidence was provided"}
}
