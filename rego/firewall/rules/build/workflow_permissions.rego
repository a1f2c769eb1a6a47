# METADATA
# description: DFW-BUILD-001 — CI workflow tokens get the least privilege, with writes scoped per job.
package firewall.rules.build.workflow_permissions

import data.firewall.lib

# METADATA
# title: Workflow tokens have minimum permissions
# description: >-
#   Every CI workflow declares top-level token permissions that are read-only ("read-all"
#   or a map of scopes with no "write"), so that a job only gets write access where the
#   workflow grants it to that job. A workflow that declares nothing gets the repository's
#   default token, which may be read-write for every scope.
#   Controls: OWASP CICD-SEC-5 (insufficient pipeline-based access controls), NIST SP
#   800-53 AC-6 (least privilege), SOC 2 CC6.1 (logical access is restricted).
# custom:
#   id: DFW-BUILD-001
#   severity: high
#   category: build
#   remediation: >-
#     Add a top-level `permissions:` block to every workflow that grants only read access
#     (for example `permissions: {contents: read}`), and grant each write scope in the
#     `permissions:` of the one job that needs it; never use `write-all`.
#   controls:
#     - OWASP-CICD:CICD-SEC-5
#     - NIST-800-53:AC-6
#     - SOC2:CC6.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workflows", sprintf("the workflow token permissions of %s", [lib.source_ref])) if {
	lib.missing("workflows")
}

_findings contains lib.finding(
	sprintf("cannot verify the workflow token permissions of %s: evidence.workflows is not a list", [lib.source_ref]),
	"evidence.workflows is not an array",
) if {
	not lib.missing("workflows")
	not _lists_workflows
}

_findings contains lib.finding(
	sprintf("workflow %s declares no top-level permissions; the token gets the repository default", [_path(workflow)]),
	sprintf("workflows[%s].permissions is null", [_path(workflow)]),
) if {
	some workflow in _workflows
	not _top_permissions(workflow)
}

_findings contains lib.finding(
	sprintf("workflow %s grants write-all at the top level; every job's token can write to every scope", [_path(workflow)]),
	sprintf("workflows[%s].permissions = write-all", [_path(workflow)]),
) if {
	some workflow in _workflows
	_top_permissions(workflow) == "write-all"
}

_findings contains lib.finding(
	sprintf("workflow %s grants write at the top level to %s; grant writes only to the jobs that need them", [_path(workflow), scopes]),
	sprintf("workflows[%s].permissions writes: %s", [_path(workflow), scopes]),
) if {
	some workflow in _workflows
	permissions := _top_permissions(workflow)
	is_object(permissions)
	writes := _write_scopes(permissions)
	count(writes) > 0
	scopes := concat(", ", writes)
}

_findings contains lib.finding(
	sprintf("workflow %s declares top-level permissions in a form dfw does not recognise; use read-all or a map of scopes", [_path(workflow)]),
	sprintf("workflows[%s].permissions is neither read-all, write-all nor a map", [_path(workflow)]),
) if {
	some workflow in _workflows
	permissions := _top_permissions(workflow)
	not _recognised(permissions)
}

_findings contains lib.finding(
	sprintf("workflow %s lists its jobs in a form dfw does not recognise; cannot check job permissions", [_path(workflow)]),
	sprintf("workflows[%s].jobs is not an array", [_path(workflow)]),
) if {
	some workflow in _workflows
	workflow.jobs != null
	not _lists_jobs(workflow)
}

_findings contains lib.finding(
	sprintf("job %s in workflow %s grants write-all; grant only the scopes the job writes", [_job_name(job), _path(workflow)]),
	sprintf("workflows[%s].jobs[%s].permissions = write-all", [_path(workflow), _job_name(job)]),
) if {
	some workflow in _workflows
	some job in _jobs(workflow)
	job.permissions == "write-all"
}

_findings contains lib.finding(
	sprintf("job %s in workflow %s declares permissions in a form dfw does not recognise; use a map of scopes", [_job_name(job), _path(workflow)]),
	sprintf("workflows[%s].jobs[%s].permissions is neither read-all, write-all nor a map", [_path(workflow), _job_name(job)]),
) if {
	some workflow in _workflows
	some job in _jobs(workflow)
	permissions := job.permissions
	permissions != null
	not _recognised(permissions)
}

_lists_workflows if is_array(input.evidence.workflows)

_workflows := workflows if {
	workflows := input.evidence.workflows
	is_array(workflows)
} else := []

_lists_jobs(workflow) if is_array(workflow.jobs)

_jobs(workflow) := jobs if {
	jobs := workflow.jobs
	is_array(jobs)
} else := []

# _top_permissions is undefined when the workflow declares none (absent or null).
_top_permissions(workflow) := permissions if {
	permissions := workflow.permissions
	permissions != null
}

_recognised("read-all")

_recognised("write-all")

_recognised(permissions) if is_object(permissions)

# Anything other than "read" or "none" counts as a write, so an access level dfw does not
# know fails closed.
_write_scopes(permissions) := sort([scope |
	some scope, access in permissions
	not access in {"read", "none"}
])

_path(workflow) := path if {
	path := workflow.path
	is_string(path)
} else := "<unknown workflow>"

_job_name(job) := name if {
	name := job.name
	is_string(name)
} else := "<unnamed job>"
