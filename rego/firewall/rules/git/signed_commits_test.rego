package firewall.rules.git.signed_commits_test

import data.firewall.rules.git.signed_commits

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(protection) := {"source": _source, "evidence": {"branch_protection": protection}}

_messages(denies) := {v.message | some v in denies}

test_allow_when_required_signatures_is_on if {
	count(signed_commits.deny) == 0 with input as _input({"protected": true, "required_signatures": true})
}

test_deny_when_required_signatures_is_off if {
	denies := signed_commits.deny with input as _input({"protected": true, "required_signatures": false})
	_messages(denies) == {"branch github.com/acme/payments@main does not require signed commits"}
	some v in denies
	v.rule == "DFW-GIT-006"
	v.severity == "medium"
	v.category == "git"
}

test_deny_when_required_signatures_is_absent if {
	count(signed_commits.deny) == 1 with input as _input({"protected": true})
}

test_deny_when_required_signatures_is_not_a_boolean if {
	count(signed_commits.deny) == 1 with input as _input({"protected": true, "required_signatures": "true"})
}

test_cannot_verify_without_branch_protection if {
	denies := signed_commits.deny with input as {"source": _source, "evidence": {"branch_protection": null}}
	_messages(denies) == {"cannot verify that github.com/acme/payments@main requires signed commits: no evidence was provided"}
}
