package firewall.rules.git.admin_enforcement_test

import data.firewall.rules.git.admin_enforcement

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(protection) := {"source": _source, "evidence": {"branch_protection": protection}}

_messages(denies) := {v.message | some v in denies}

test_allow_when_enforce_admins_is_on if {
	count(admin_enforcement.deny) == 0 with input as _input({"protected": true, "enforce_admins": true})
}

test_deny_when_enforce_admins_is_off if {
	denies := admin_enforcement.deny with input as _input({"protected": true, "enforce_admins": false})
	_messages(denies) == {"administrators can bypass the protection of branch github.com/acme/payments@main"}
	some v in denies
	v.rule == "DFW-GIT-005"
	v.severity == "high"
	v.category == "git"
}

test_deny_when_enforce_admins_is_absent if {
	count(admin_enforcement.deny) == 1 with input as _input({"protected": true})
}

test_deny_when_enforce_admins_is_not_a_boolean if {
	count(admin_enforcement.deny) == 1 with input as _input({"protected": true, "enforce_admins": "true"})
}

test_cannot_verify_without_branch_protection if {
	denies := admin_enforcement.deny with input as {"source": _source, "evidence": {"branch_protection": null}}
	_messages(denies) == {"cannot verify that administrators are held to the protection of github.com/acme/payments@main: no evidence was provided"}
}
