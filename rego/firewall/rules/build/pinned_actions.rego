# METADATA
# description: DFW-BUILD-002 — every action and reusable workflow the build uses is pinned to a commit.
package firewall.rules.build.pinned_actions

import data.firewall.lib
import data.firewall.lib.workflows

# METADATA
# title: Third-party actions are pinned by commit SHA
# description: >-
#   Every `uses:` of the deployed commit's workflows — step actions and reusable workflows
#   — names a full 40-character commit SHA (or a container image by digest, or an action in
#   the same repository), so that a tag moved by a compromised action maintainer cannot
#   change what the build runs (as happened with tj-actions/changed-files in 2025). Owners
#   the security team trusts may be listed in bundle data (build.unpinned_action_owners).
#   Controls: OWASP CICD-SEC-3 (dependency chain abuse) and CICD-SEC-8 (ungoverned usage of
#   third-party services), CIS-SSCS 2.4.2 (all external dependencies used in the build
#   process are locked), NIST SP 800-53 SR-3 (supply chain controls) and CM-14 (signed
#   components), SLSA build-L3 (the build's inputs are fixed and recorded).
# custom:
#   id: DFW-BUILD-002
#   severity: high
#   category: build
#   remediation: >-
#     Replace each `uses: owner/action@v4` with `uses: owner/action@<40-hex commit SHA> #
#     v4` (tools such as pinact or Dependabot keep the pins current); reference container
#     actions as docker://image@sha256:….
#   controls:
#     - OWASP-CICD:CICD-SEC-3
#     - OWASP-CICD:CICD-SEC-8
#     - CIS-SSCS:2.4.2
#     - NIST-800-53:SR-3
#     - NIST-800-53:CM-14
#     - SLSA:build-L3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workflows", sprintf("the actions the workflows of %s use", [lib.source_ref])) if {
	lib.missing("workflows")
}

_findings contains workflows.unreadable_finding("the pinning of the actions") if {
	not lib.missing("workflows")
	not workflows.listed
}

_findings contains lib.finding(
	sprintf("%s uses %s, which is not pinned to a commit SHA", [workflows.step_name(entry), entry.step.uses]),
	sprintf("%s: uses %s", [entry.workflow, entry.step.uses]),
) if {
	some entry in workflows.steps
	is_string(entry.step.uses)
	not _pinned(entry.step.uses)
}

_findings contains lib.finding(
	sprintf("job %s in %s calls the reusable workflow %s, which is not pinned to a commit SHA", [workflows.job_name(job), workflows.path(w), job.uses]),
	sprintf("%s: jobs.%s.uses %s", [workflows.path(w), workflows.job_name(job), job.uses]),
) if {
	some w in workflows.workflows
	some job in workflows.jobs(w)
	is_string(job.uses)
	not _pinned(job.uses)
}

# One chain, so that a use found pinned is not also looked up among the trusted owners.
# An action in the same repository is the commit itself.
_pinned(uses) if startswith(uses, "./")

# String functions, not regular expressions: Wasm compiles a pattern anew on every call, and
# this runs for every step of every workflow (docs/performance.md).
else if {
	startswith(uses, "docker://")
	n := count(uses)
	n >= 72
	startswith(substring(uses, n - 72, 8), "@sha256:")
	_lower_hex(substring(uses, n - 64, 64))
}

# owner/repo[/path]@<40 hex>: one "@", nothing blank before it.
else if {
	not startswith(uses, "docker://")
	parts := split(uses, "@")
	count(parts) == 2
	parts[0] != ""
	not _has_blank(parts[0])
	count(parts[1]) == 40
	_lower_hex(parts[1])
}

else if {
	not startswith(uses, "docker://")
	owner := split(uses, "/")[0]
	owner in object.get(data.firewall.config, ["build", "unpinned_action_owners"], [])
}

_lower_hex(s) if trim(s, "0123456789abcdef") == ""

# The characters RE2's \s matches.
_has_blank(s) if {
	some c in [" ", "\t", "\n", "\f", "\r"]
	contains(s, c)
}
