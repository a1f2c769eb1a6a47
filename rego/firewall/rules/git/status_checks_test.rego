package firewall.rules.git.status_checks_test

import data.firewall.rules.git.status_checks

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_protection := {"protected": true, "required_status_checks": ["ci/build", "codeql"]}

_input(protection) := {"source": _source, "evidence": {"branch_protection": protection}}

_messages(denies) := {v.message | some v in denies}

test_allow_when_checks_are_required if {
	count(status_checks.deny) == 0 with input as _input(_protection)
}

test_deny_when_no_check_is_required if {
	denies := status_checks.deny with input as _input({"protected": true, "required_status_checks": []})
	_messages(denies) == {"branch github.com/acme/payments@main requires no status check before merging"}
	some v in denies
	v.rule == "DFW-GIT-002"
	v.severity == "high"
}

test_deny_when_checks_are_not_a_list if {
	count(status_checks.deny) == 1 with input as _input({"protected": true, "required_status_checks": "ci/build"})
}

test_deny_when_a_required_check_is_missing if {
	denies := status_checks.deny with input as _input(_protection)
		with data.firewall.config.required_status_checks as ["ci/build", "ci/test"]
	_messages(denies) == {"branch github.com/acme/payments@main does not require the status check ci/test"}
}

test_cannot_verify_without_branch_protection if {
	denies := status_checks.deny with input as {"source": _source, "evidence": {}, "unavailable": {"branch_protection": "GitHub answered 404"}}
	_messages(denies) == {"cannot verify the required status checks of github.com/acme/payments@main: GitHub answered 404"}
}
