package firewall.rules.build.pinned_actions_test

import data.firewall.rules.build.pinned_actions

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_checkout := "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"

_workflow(steps) := {
	"path": ".github/workflows/ci.yml",
	"on": ["push"],
	"permissions": {"contents": "read"},
	"jobs": [{"name": "build", "runs_on": ["ubuntu-latest"], "steps": steps}],
}

_input(steps) := {"source": _source, "evidence": {"workflows": [_workflow(steps)]}}

_messages(denies) := {v.message | some v in denies}

test_allow_actions_pinned_by_sha if {
	steps := [
		{"uses": _checkout},
		{"uses": "./.github/actions/setup"},
		{"uses": "docker://ghcr.io/acme/lint@sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b"},
		{"name": "test", "run": "npm test"},
	]
	count(pinned_actions.deny) == 0 with input as _input(steps)
}

test_deny_action_pinned_by_tag if {
	denies := pinned_actions.deny with input as _input([{"name": "checkout", "uses": "actions/checkout@v4"}])
	_messages(denies) == {"step checkout of job build in .github/workflows/ci.yml uses actions/checkout@v4, which is not pinned to a commit SHA"}
	some v in denies
	v.rule == "DFW-BUILD-002"
	v.severity == "high"
}

test_deny_short_sha_and_docker_tag if {
	steps := [{"uses": "tj-actions/changed-files@11bd719"}, {"uses": "docker://alpine:3.20"}]
	count(pinned_actions.deny) == 2 with input as _input(steps)
}

test_deny_reusable_workflow_by_branch if {
	workflow := object.union(_workflow([]), {"jobs": [{"name": "release", "uses": "octo-org/shared/.github/workflows/release.yml@main"}]})
	denies := pinned_actions.deny with input as {"source": _source, "evidence": {"workflows": [workflow]}}
	_messages(denies) == {"job release in .github/workflows/ci.yml calls the reusable workflow octo-org/shared/.github/workflows/release.yml@main, which is not pinned to a commit SHA"}
}

test_allow_owner_the_security_team_trusts if {
	count(pinned_actions.deny) == 0 with input as _input([{"uses": "actions/checkout@v4"}])
		with data.firewall.config.build.unpinned_action_owners as ["actions"]
}

test_cannot_verify_without_workflows if {
	denies := pinned_actions.deny with input as {"source": _source, "evidence": {}, "unavailable": {"workflows": "GitHub answered 403"}}
	_messages(denies) == {"cannot verify the actions the workflows of github.com/acme/payments@main use: GitHub answered 403"}
}

test_deny_when_workflows_are_not_a_list if {
	denies := pinned_actions.deny with input as {"source": _source, "evidence": {"workflows": {"ci": {}}}}
	_messages(denies) == {"cannot verify the pinning of the actions of github.com/acme/payments@main: evidence.workflows is not a list"}
}

test_allow_the_company_s_own_actions_by_tag if {
	workflow := object.union(_workflow([{"uses": "acme/setup-java@v2"}]), {"jobs": [
		{"name": "build", "steps": [{"uses": "acme/setup-java@v2"}]},
		{"name": "release", "uses": "acme/shared/.github/workflows/release.yml@main"},
	]})
	count(pinned_actions.deny) == 0 with input as {"source": _source, "evidence": {"workflows": [workflow]}}
}
