# METADATA
# description: DFW-BUILD-003 — no privileged pull_request_target workflow runs the pull request's code.
package firewall.rules.build.pull_request_target

import data.firewall.lib
import data.firewall.lib.workflows

# METADATA
# title: No pull_request_target workflow checks out the pull request's head
# description: >-
#   No workflow triggered by pull_request_target (or workflow_run, which also runs with the
#   base repository's secrets and a write token) checks out the head of the pull request,
#   whether with actions/checkout and a `ref:` naming the head or with git fetching
#   refs/pull/…: a fork's author could then run code with the repository's secrets and
#   poison the build ("pwn request"). Controls: OWASP CICD-SEC-4 (poisoned pipeline
#   execution), CIS-SSCS 2.3.5 (access to build process triggering is minimized), NIST SP
#   800-53 AC-6 (least privilege) and CM-5 (access restrictions for change), SOC 2 CC8.1.
# custom:
#   id: DFW-BUILD-003
#   severity: critical
#   category: build
#   remediation: >-
#     Run untrusted pull request code only in workflows triggered by pull_request (no
#     secrets, read-only token). If a pull_request_target workflow must look at the change,
#     check out the base branch only and treat the pull request's files as data.
#   controls:
#     - OWASP-CICD:CICD-SEC-4
#     - CIS-SSCS:2.3.5
#     - NIST-800-53:AC-6
#     - NIST-800-53:CM-5
#     - SOC2:CC8.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workflows", sprintf("the pull_request_target workflows of %s", [lib.source_ref])) if {
	lib.missing("workflows")
}

_findings contains workflows.unreadable_finding("the pull_request_target workflows") if {
	not lib.missing("workflows")
	not workflows.listed
}

_findings contains lib.finding(
	sprintf("%s checks out the pull request's head in a workflow triggered by %s", [workflows.step_name(entry), concat(", ", sort(privileged))]),
	sprintf("%s: on %s; checkout of %s", [entry.workflow, concat(", ", sort(privileged)), _head_reference(entry.step)]),
) if {
	some entry in workflows.steps
	privileged := entry.triggers & {"pull_request_target", "workflow_run"}
	count(privileged) > 0
	_head_reference(entry.step)
}

# Expressions and refs that name the pull request's own code.
_head_patterns := [
	`github\.event\.pull_request\.head\.(sha|ref)`,
	`github\.head_ref`,
	`github\.event\.workflow_run\.head_(sha|branch)`,
	`refs/pull/`,
]

_head_reference(step) := ref if {
	startswith(lower(lib.text(step, "uses", "")), "actions/checkout@")
	ref := step.with.ref
	is_string(ref)
	some pattern in _head_patterns
	regex.match(pattern, ref)
} else := run if {
	run := step.run
	is_string(run)
	regex.match(`git\s+(fetch|checkout|pull)`, run)
	some pattern in _head_patterns
	regex.match(pattern, run)
}
