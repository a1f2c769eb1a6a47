package firewall.rules.build.script_injection_test

import data.firewall.rules.build.script_injection

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(steps) := {"source": _source, "evidence": {"workflows": [{
	"path": ".github/workflows/greet.yml",
	"on": ["issues"],
	"jobs": [{"name": "greet", "runs_on": ["ubuntu-latest"], "steps": steps}],
}]}}

_messages(denies) := {v.message | some v in denies}

test_allow_event_data_passed_through_env if {
	steps := [{"name": "greet", "env": {"TITLE": "${{ github.event.issue.title }}"}, "run": "echo \"$TITLE\""}]
	count(script_injection.deny) == 0 with input as _input(steps)
}

test_allow_other_expressions if {
	count(script_injection.deny) == 0 with input as _input([{"run": "echo ${{ github.sha }} ${{ matrix.node }}"}])
}

test_deny_event_data_in_run if {
	steps := [{"name": "greet", "run": "echo \"${{ github.event.issue.title }}\" && echo ${{github.head_ref}}"}]
	denies := script_injection.deny with input as _input(steps)
	_messages(denies) == {"step greet of job greet in .github/workflows/greet.yml interpolates ${{ github.event.issue.title }}, ${{github.head_ref}} into its run script"}
	some v in denies
	v.rule == "DFW-BUILD-004"
	v.severity == "high"
}

test_cannot_verify_without_workflows if {
	count(script_injection.deny) == 1 with input as {"source": _source, "evidence": {}}
}

test_deny_when_workflows_are_not_a_list if {
	count(script_injection.deny) == 1 with input as {"source": _source, "evidence": {"workflows": 3}}
}
