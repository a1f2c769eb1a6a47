package firewall.rules.build.self_hosted_runners_test

import data.firewall.rules.build.self_hosted_runners

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_workflows(runs_on) := [{"path": ".github/workflows/ci.yml", "on": ["pull_request"], "jobs": [{"name": "build", "runs_on": runs_on}]}]

_input(visibility, runs_on) := {"source": _source, "evidence": {
	"repository": {"visibility": visibility},
	"workflows": _workflows(runs_on),
}}

_messages(denies) := {v.message | some v in denies}

test_allow_private_repository_on_self_hosted_runner if {
	count(self_hosted_runners.deny) == 0 with input as _input("private", ["self-hosted", "linux"])
}

test_allow_public_repository_on_hosted_runner if {
	count(self_hosted_runners.deny) == 0 with input as _input("public", ["ubuntu-latest"])
}

test_deny_public_repository_on_self_hosted_runner if {
	denies := self_hosted_runners.deny with input as _input("public", ["self-hosted", "linux"])
	_messages(denies) == {"job build in .github/workflows/ci.yml runs on a self-hosted runner (self-hosted, linux) although github.com/acme/payments is public"}
	some v in denies
	v.rule == "DFW-BUILD-005"
	v.severity == "high"
}

test_unknown_visibility_counts_as_public if {
	count(self_hosted_runners.deny) == 1 with input as _input(null, ["self-hosted"])
}

test_cannot_verify_without_repository if {
	denies := self_hosted_runners.deny with input as {"source": _source, "evidence": {"workflows": _workflows(["self-hosted"])}}
	_messages(denies) == {"cannot verify whether github.com/acme/payments is public: no evidence was provided"}
}

test_cannot_verify_public_repository_without_workflows if {
	count(self_hosted_runners.deny) == 1 with input as {"source": _source, "evidence": {"repository": {"visibility": "public"}}}
	count(self_hosted_runners.deny) == 1 with input as {"source": _source, "evidence": {"repository": {"visibility": "public"}, "workflows": "x"}}
}
