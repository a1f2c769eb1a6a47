# METADATA
# description: {{ID}} — deployments are made by one of the team's approved CD systems.
package firewall.rules.{{team}}.approved_deployer

import data.firewall.lib

# METADATA
# title: Deployed by an approved CD system
# description: |-
#   The deployment was requested by one of the CD systems the team approved, so that every
#   release went through a reviewed pipeline, never from someone's laptop.
# custom:
#   id: {{ID}}
#   severity: high
#   category: process
#   remediation: |-
#     Deploy through an approved pipeline (Spinnaker or Argo CD); to approve another CD
#     system, add its name to approved_deployers in this rule.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

approved_deployers := {"spinnaker", "argocd"}

_requested_by := lib.field("request", "requested_by", "")

_findings contains lib.finding(
	sprintf("%s was deployed by %s, which is not an approved CD system", [lib.artifact_ref, _shown]),
	sprintf("request.requested_by = %s", [_shown]),
) if {
	not _requested_by in approved_deployers
}

_shown := _requested_by if _requested_by != ""

else := "<nobody named>"
