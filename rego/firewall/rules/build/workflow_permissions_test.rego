package firewall.rules.build.workflow_permissions_test

import data.firewall.rules.build.workflow_permissions

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_ci := {
	"path": ".github/workflows/ci.yml",
	"permissions": {"contents": "read", "pull-requests": "none"},
	"jobs": [
		{"name": "build", "permissions": null},
		{"name": "test"},
	],
}

_release := {
	"path": ".github/workflows/release.yml",
	"permissions": "read-all",
	"jobs": [{"name": "publish", "permissions": {"contents": "write", "packages": "write", "id-token": "write"}}],
}

_input(workflows) := {"source": _source, "evidence": {"workflows": workflows}}

_messages(denies) := {v.message | some v in denies}

test_allow_read_only_workflows_with_job_scoped_writes if {
	count(workflow_permissions.deny) == 0 with input as _input([_ci, _release])
}

test_allow_empty_top_level_permissions if {
	count(workflow_permissions.deny) == 0 with input as _input([object.union(_ci, {"permissions": {}})])
}

test_allow_repository_without_workflows if {
	count(workflow_permissions.deny) == 0 with input as _input([])
}

test_deny_when_workflow_declares_no_permissions if {
	denies := workflow_permissions.deny with input as _input([object.union(_ci, {"permissions": null}), _release])
	_messages(denies) == {"workflow .github/workflows/ci.yml declares no top-level permissions; the token gets the repository default"}
	some v in denies
	v.rule == "DFW-BUILD-001"
	v.severity == "high"
	v.category == "build"
	v.title == "Workflow tokens have minimum permissions"
	v.evidence == "workflows[.github/workflows/ci.yml].permissions is null"
}

test_deny_when_permissions_key_absent if {
	denies := workflow_permissions.deny with input as _input([object.remove(_ci, ["permissions"])])
	_messages(denies) == {"workflow .github/workflows/ci.yml declares no top-level permissions; the token gets the repository default"}
}

test_deny_when_top_level_write_all if {
	denies := workflow_permissions.deny with input as _input([object.union(_release, {"permissions": "write-all"})])
	_messages(denies) == {"workflow .github/workflows/release.yml grants write-all at the top level; every job's token can write to every scope"}
}

test_deny_when_top_level_scope_writes if {
	permissions := {"contents": "write", "actions": "read", "packages": "write", "checks": "none"}
	denies := workflow_permissions.deny with input as _input([object.union(_ci, {"permissions": permissions})])
	_messages(denies) == {"workflow .github/workflows/ci.yml grants write at the top level to contents, packages; grant writes only to the jobs that need them"}
}

test_deny_when_top_level_access_level_unknown if {
	denies := workflow_permissions.deny with input as _input([object.union(_ci, {"permissions": {"contents": "admin"}})])
	_messages(denies) == {"workflow .github/workflows/ci.yml grants write at the top level to contents; grant writes only to the jobs that need them"}
}

test_deny_when_top_level_permissions_unrecognised if {
	denies := workflow_permissions.deny with input as _input([object.union(_ci, {"permissions": "read"})])
	_messages(denies) == {"workflow .github/workflows/ci.yml declares top-level permissions in a form dfw does not recognise; use read-all or a map of scopes"}
}

test_deny_when_job_grants_write_all if {
	jobs := [{"name": "build", "permissions": {"contents": "read"}}, {"name": "deploy", "permissions": "write-all"}]
	denies := workflow_permissions.deny with input as _input([_ci, object.union(_release, {"jobs": jobs})])
	_messages(denies) == {"job deploy in workflow .github/workflows/release.yml grants write-all; grant only the scopes the job writes"}
}

test_deny_when_job_permissions_unrecognised if {
	denies := workflow_permissions.deny with input as _input([object.union(_ci, {"jobs": [{"name": "lint", "permissions": ["contents"]}]})])
	_messages(denies) == {"job lint in workflow .github/workflows/ci.yml declares permissions in a form dfw does not recognise; use a map of scopes"}
}

test_deny_when_jobs_are_not_a_list if {
	denies := workflow_permissions.deny with input as _input([object.union(_ci, {"jobs": {"deploy": {"permissions": "write-all"}}})])
	_messages(denies) == {"workflow .github/workflows/ci.yml lists its jobs in a form dfw does not recognise; cannot check job permissions"}
}

test_deny_names_unknown_workflow_and_job if {
	denies := workflow_permissions.deny with input as _input([{"permissions": "read-all", "jobs": [{"permissions": "write-all"}]}])
	_messages(denies) == {"job <unnamed job> in workflow <unknown workflow> grants write-all; grant only the scopes the job writes"}
}

test_deny_every_weakness_at_once if {
	weak := [
		object.union(_ci, {"permissions": null}),
		object.union(_release, {"permissions": {"contents": "write"}, "jobs": [{"name": "publish", "permissions": "write-all"}]}),
	]
	count(workflow_permissions.deny) == 3 with input as _input(weak)
}

test_deny_when_workflows_evidence_is_not_a_list if {
	denies := workflow_permissions.deny with input as _input({".github/workflows/ci.yml": _ci})
	_messages(denies) == {"cannot verify the workflow token permissions of github.com/acme/payments@main: evidence.workflows is not a list"}
}

test_cannot_verify_when_evidence_missing if {
	denies := workflow_permissions.deny with input as {
		"source": _source,
		"evidence": {},
		"unavailable": {"workflows": "GitHub answered 404: Not Found"},
	}
	_messages(denies) == {"cannot verify the workflow token permissions of github.com/acme/payments@main: GitHub answered 404: Not Found"}
	some v in denies
	v.severity == "high"
	v.evidence == "evidence.workflows unavailable"
}

test_cannot_verify_without_reason if {
	denies := workflow_permissions.deny with input as {"evidence": {"workflows": null}}
	_messages(denies) == {"cannot verify the workflow token permissions of <unknown repository>@<unknown branch>: no evidence was provided"}
}
