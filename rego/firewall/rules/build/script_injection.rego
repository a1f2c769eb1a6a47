# METADATA
# description: DFW-BUILD-004 — no run script interpolates text an outsider controls.
package firewall.rules.build.script_injection

import data.firewall.lib
import data.firewall.lib.workflows

# METADATA
# title: No event data interpolated into run scripts
# description: >-
#   No `run:` script of the deployed commit's workflows contains a `${{ github.event.… }}`
#   or `${{ github.head_ref }}` expression: GitHub pastes the expression's value into the
#   script before the shell runs it, so a pull request title, branch name or comment
#   becomes shell code with the job's token and secrets. Pass such values through `env:`
#   instead. Controls: OWASP CICD-SEC-4 (poisoned pipeline execution), CIS-SSCS 2.3.6
#   (pipelines are automatically scanned for misconfigurations), NIST SP 800-53 SI-10
#   (information input validation), SOC 2 CC8.1.
# custom:
#   id: DFW-BUILD-004
#   severity: high
#   category: build
#   remediation: >-
#     Move each `${{ github.event.… }}` out of the script into the step's `env:` (for
#     example `env: {TITLE: "${{ github.event.pull_request.title }}"}`) and use "$TITLE",
#     quoted, in the script.
#   controls:
#     - OWASP-CICD:CICD-SEC-4
#     - CIS-SSCS:2.3.6
#     - NIST-800-53:SI-10
#     - SOC2:CC8.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("workflows", sprintf("the run scripts of the workflows of %s", [lib.source_ref])) if {
	lib.missing("workflows")
}

_findings contains workflows.unreadable_finding("the run scripts of the workflows") if {
	not lib.missing("workflows")
	not workflows.listed
}

_findings contains lib.finding(
	sprintf("%s interpolates %s into its run script", [workflows.step_name(entry), concat(", ", expressions)]),
	sprintf("%s: run contains %s", [entry.workflow, concat(", ", expressions)]),
) if {
	some entry in workflows.steps
	is_string(entry.step.run)

	# Cheap test first: Wasm compiles the pattern on every call, and most scripts hold none.
	contains(entry.step.run, "${{")
	expressions := sort({m[0] | some m in regex.find_all_string_submatch_n(_expression, entry.step.run, -1)})
	count(expressions) > 0
}

_expression := `\$\{\{[^}]*github\.(event\.|head_ref)[^}]*\}\}`
