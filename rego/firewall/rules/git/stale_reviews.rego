# METADATA
# description: DFW-GIT-004 — an approval does not survive new commits pushed after it.
package firewall.rules.git.stale_reviews

import data.firewall.lib

# METADATA
# title: New commits dismiss earlier approvals on the deployed branch
# description: >-
#   Branch protection of the deployed branch dismisses stale pull request approvals when
#   new commits are pushed, so that what is merged is what was approved, not a later edit.
#   Controls: CIS-SSCS 1.1.4 (previous approvals are dismissed when updates are introduced
#   to a code change proposal), NIST SP 800-53 CM-3 (configuration change control), SOC 2
#   CC8.1, OWASP CICD-SEC-1 (insufficient flow control mechanisms).
# custom:
#   id: DFW-GIT-004
#   severity: high
#   category: git
#   remediation: >-
#     In the branch protection of the deployed branch, turn on "Dismiss stale pull request
#     approvals when new commits are pushed".
#   controls:
#     - CIS-SSCS:1.1.4
#     - NIST-800-53:CM-3
#     - SOC2:CC8.1
#     - OWASP-CICD:CICD-SEC-1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("branch_protection", sprintf("that %s dismisses stale reviews", [lib.source_ref])) if {
	lib.missing("branch_protection")
}

_findings contains lib.finding(
	sprintf("branch %s keeps approvals after new commits are pushed", [lib.source_ref]),
	"branch_protection.dismiss_stale_reviews is not true",
) if {
	not lib.missing("branch_protection")
	not input.evidence.branch_protection.dismiss_stale_reviews == true
}
