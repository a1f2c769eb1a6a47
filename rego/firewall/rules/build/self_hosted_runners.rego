# METADATA
# description: DFW-BUILD-005 — a public repository's jobs do not run on self-hosted runners.
package firewall.rules.build.self_hosted_runners

import data.firewall.lib
import data.firewall.lib.workflows

# METADATA
# title: No self-hosted runners for a public repository
# description: >-
#   When the deployed repository is public, no job of its workflows runs on a self-hosted
#   runner: anyone can open a pull request against a public repository, and a workflow run
#   for it executes the fork's code on the runner, which persists between jobs and sits in
#   the company network. Controls: OWASP CICD-SEC-7 (insecure system configuration) and
#   CICD-SEC-4 (poisoned pipeline execution), CIS-SSCS 2.2.1 (build workers are
#   single-used), SLSA build-L3 (builds run isolated from one another), NIST SP 800-53
#   SC-39 (process isolation).
# custom:
#   id: DFW-BUILD-005
#   severity: high
#   category: build
#   remediation: >-
#     Run the public repository's jobs on GitHub-hosted runners, or on ephemeral,
#     just-in-time self-hosted runners in a runner group that does not accept public
#     repositories.
#   controls:
#     - OWASP-CICD:CICD-SEC-7
#     - OWASP-CICD:CICD-SEC-4
#     - CIS-SSCS:2.2.1
#     - SLSA:build-L3
#     - NIST-800-53:SC-39
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_repository := input.evidence.repository

_findings contains lib.cannot_verify("repository", sprintf("whether %s is public", [lib.field("source", "repository", "<unknown repository>")])) if {
	lib.missing("repository")
}

_findings contains lib.cannot_verify("workflows", sprintf("the runners of the workflows of %s", [lib.source_ref])) if {
	_public
	lib.missing("workflows")
}

_findings contains workflows.unreadable_finding("the runners of the workflows") if {
	_public
	not lib.missing("workflows")
	not workflows.listed
}

_findings contains lib.finding(
	sprintf("job %s in %s runs on a self-hosted runner (%s) although %s is public", [workflows.job_name(job), workflows.path(w), concat(", ", labels), lib.field("source", "repository", "the repository")]),
	sprintf("repository.visibility = public; %s: jobs.%s.runs_on = %s", [workflows.path(w), workflows.job_name(job), concat(", ", labels)]),
) if {
	_public
	some w in workflows.workflows
	some job in workflows.jobs(w)
	labels := [l | some l in lib.list(job, "runs_on"); is_string(l)]
	"self-hosted" in labels
}

# Anything but a readable "private" or "internal" counts as public: fail closed.
_public if {
	not lib.missing("repository")
	not lower(lib.text(_repository, "visibility", "public")) in {"private", "internal"}
}
