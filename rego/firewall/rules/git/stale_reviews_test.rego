package firewall.rules.git.stale_reviews_test

import data.firewall.rules.git.stale_reviews

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(protection) := {"source": _source, "evidence": {"branch_protection": protection}}

_messages(denies) := {v.message | some v in denies}

test_allow_when_dismiss_stale_reviews_is_on if {
	count(stale_reviews.deny) == 0 with input as _input({"protected": true, "dismiss_stale_reviews": true})
}

test_deny_when_dismiss_stale_reviews_is_off if {
	denies := stale_reviews.deny with input as _input({"protected": true, "dismiss_stale_reviews": false})
	_messages(denies) == {"branch github.com/acme/payments@main keeps approvals after new commits are pushed"}
	some v in denies
	v.rule == "DFW-GIT-004"
	v.severity == "high"
	v.category == "git"
}

test_deny_when_dismiss_stale_reviews_is_absent if {
	count(stale_reviews.deny) == 1 with input as _input({"protected": true})
}

test_deny_when_dismiss_stale_reviews_is_not_a_boolean if {
	count(stale_reviews.deny) == 1 with input as _input({"protected": true, "dismiss_stale_reviews": "true"})
}

test_cannot_verify_without_branch_protection if {
	denies := stale_reviews.deny with input as {"source": _source, "evidence": {"branch_protection": null}}
	_messages(denies) == {"cannot verify that github.com/acme/payments@main dismisses stale reviews: no evidence was provided"}
}
