package firewall.rules.change.four_eyes_test

import data.firewall.rules.change.four_eyes

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(requested_by, pull) := {
	"request": {"requested_by": requested_by},
	"source": _source,
	"evidence": {"pull_request": pull},
}

_pull := {"number": 42, "author": "alice", "approved_by": ["bob"]}

_messages(denies) := {v.message | some v in denies}

test_allow_independent_approver if {
	count(four_eyes.deny) == 0 with input as _input("spinnaker", _pull)
}

test_deny_author_deploying_own_change if {
	denies := four_eyes.deny with input as _input("Alice", _pull)
	_messages(denies) == {"Alice deploys commit 9f2c4e1, which they wrote (pull request #42)"}
	some v in denies
	v.rule == "DFW-CHANGE-003"
	v.severity == "high"
}

test_deny_when_the_deployer_is_the_only_approver if {
	denies := four_eyes.deny with input as _input("bob", object.union(_pull, {"approved_by": ["bob", "alice"]}))
	_messages(denies) == {"pull request #42 of commit 9f2c4e1 has no approval from anyone but its author and its deployer (approved by: alice, bob)"}
}

test_deny_without_approvals if {
	denies := four_eyes.deny with input as _input("spinnaker", {"author": "alice", "approved_by": []})
	_messages(denies) == {"the pull request of commit 9f2c4e1 has no approval from anyone but its author and its deployer (approved by: nobody)"}
}

test_deny_without_author if {
	denies := four_eyes.deny with input as _input("spinnaker", {"number": 42, "approved_by": ["bob"]})
	_messages(denies) == {"pull request #42 of commit 9f2c4e1 names no author"}
}

test_cannot_verify_without_pull_request if {
	denies := four_eyes.deny with input as {"source": _source, "evidence": {}, "unavailable": {"pull_request": "no pull request contains commit 9f2c4e1"}}
	_messages(denies) == {"cannot verify who wrote and approved commit 9f2c4e1: no pull request contains commit 9f2c4e1"}
}
