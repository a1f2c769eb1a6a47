package firewall.rules.git.branch_protection_test

import data.firewall.rules.git.branch_protection

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_protected := {
	"protected": true,
	"required_approving_reviews": 2,
	"dismiss_stale_reviews": true,
	"require_code_owner_reviews": true,
	"required_status_checks": ["ci/build"],
	"enforce_admins": true,
	"allow_force_pushes": false,
	"allow_deletions": false,
}

_input(protection) := {"source": _source, "evidence": {"branch_protection": protection}}

_messages(denies) := {v.message | some v in denies}

test_allow_fully_protected_branch if {
	count(branch_protection.deny) == 0 with input as _input(_protected)
}

test_deny_unprotected_branch if {
	denies := branch_protection.deny with input as _input({"protected": false})
	_messages(denies) == {"branch github.com/acme/payments@main is not protected"}
	some v in denies
	v.rule == "DFW-GIT-001"
	v.severity == "critical"
	v.category == "git"
	v.title == "Deployed branch is protected"
}

test_deny_when_no_approving_review_required if {
	denies := branch_protection.deny with input as _input(object.union(_protected, {"required_approving_reviews": 0}))
	_messages(denies) == {"branch github.com/acme/payments@main requires 0 approving reviews; at least 1 is required"}
}

test_deny_when_review_count_is_not_a_number if {
	denies := branch_protection.deny with input as _input(object.remove(_protected, ["required_approving_reviews"]))
	count(denies) == 1
}

test_deny_when_force_push_allowed if {
	denies := branch_protection.deny with input as _input(object.union(_protected, {"allow_force_pushes": true}))
	_messages(denies) == {"branch github.com/acme/payments@main allows force pushes"}
}

test_deny_when_deletion_allowed if {
	denies := branch_protection.deny with input as _input(object.union(_protected, {"allow_deletions": true}))
	_messages(denies) == {"branch github.com/acme/payments@main allows deletion"}
}

test_deny_every_weakness_at_once if {
	weak := {"protected": true, "required_approving_reviews": 0, "allow_force_pushes": true, "allow_deletions": true}
	count(branch_protection.deny) == 3 with input as _input(weak)
}

test_cannot_verify_when_evidence_missing if {
	denies := branch_protection.deny with input as {
		"source": _source,
		"evidence": {},
		"unavailable": {"branch_protection": "GitHub answered 401: Bad credentials"},
	}
	_messages(denies) == {"cannot verify branch protection of github.com/acme/payments@main: GitHub answered 401: Bad credentials"}
	some v in denies
	v.severity == "critical"
}

test_cannot_verify_without_reason if {
	denies := branch_protection.deny with input as {"evidence": {"branch_protection": null}}
	_messages(denies) == {"cannot verify branch protection of <unknown repository>@<unknown branch>: no evidence was provided"}
}
