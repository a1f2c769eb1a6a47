package firewall.rules.build.pull_request_target_test

import data.firewall.rules.build.pull_request_target

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_checkout := "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"

_workflow(on, steps) := {
	"path": ".github/workflows/label.yml",
	"on": on,
	"permissions": {"contents": "read"},
	"jobs": [{"name": "triage", "runs_on": ["ubuntu-latest"], "steps": steps}],
}

_input(on, steps) := {"source": _source, "evidence": {"workflows": [_workflow(on, steps)]}}

_messages(denies) := {v.message | some v in denies}

test_allow_pull_request_target_on_base_branch if {
	count(pull_request_target.deny) == 0 with input as _input(["pull_request_target"], [{"uses": _checkout}])
}

test_allow_pull_request_checking_out_head if {
	steps := [{"uses": _checkout, "with": {"ref": "${{ github.event.pull_request.head.sha }}"}}]
	count(pull_request_target.deny) == 0 with input as _input(["pull_request"], steps)
}

test_deny_pull_request_target_checking_out_head if {
	steps := [{"name": "checkout", "uses": _checkout, "with": {"ref": "${{ github.event.pull_request.head.sha }}"}}]
	denies := pull_request_target.deny with input as _input(["pull_request_target"], steps)
	_messages(denies) == {"step checkout of job triage in .github/workflows/label.yml checks out the pull request's head in a workflow triggered by pull_request_target"}
	some v in denies
	v.rule == "DFW-BUILD-003"
	v.severity == "critical"
}

test_deny_workflow_run_fetching_pull_ref if {
	steps := [{"name": "fetch", "run": "git fetch origin refs/pull/${{ github.event.number }}/head && git checkout FETCH_HEAD"}]
	count(pull_request_target.deny) == 1 with input as _input(["workflow_run", "push"], steps)
}

test_cannot_verify_without_workflows if {
	count(pull_request_target.deny) == 1 with input as {"source": _source, "evidence": {"workflows": null}}
}

test_deny_when_workflows_are_not_a_list if {
	count(pull_request_target.deny) == 1 with input as {"source": _source, "evidence": {"workflows": "ci.yml"}}
}
