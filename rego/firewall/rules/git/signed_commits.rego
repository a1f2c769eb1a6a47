# METADATA
# description: DFW-GIT-006 — commits on the deployed branch must carry verified signatures.
package firewall.rules.git.signed_commits

import data.firewall.lib

# METADATA
# title: The deployed branch requires signed commits
# description: >-
#   Branch protection of the deployed branch requires verified commit signatures, so that
#   every commit can be traced to a key its author controls rather than to a name anyone
#   can type into git config. Controls: CIS-SSCS 1.1.12 (verification of signed commits for
#   new changes before merging), NIST SP 800-53 SI-7 (software integrity) and CM-14 (signed
#   components), SOC 2 CC8.1.
# custom:
#   id: DFW-GIT-006
#   severity: medium
#   category: git
#   remediation: >-
#     In the branch protection of the deployed branch, turn on "Require signed commits", and
#     have contributors sign with a GPG, SSH or S/MIME key registered with GitHub (or
#     gitsign).
#   controls:
#     - CIS-SSCS:1.1.12
#     - NIST-800-53:SI-7
#     - NIST-800-53:CM-14
#     - SOC2:CC8.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("branch_protection", sprintf("that %s requires signed commits", [lib.source_ref])) if {
	lib.missing("branch_protection")
}

_findings contains lib.finding(
	sprintf("branch %s does not require signed commits", [lib.source_ref]),
	"branch_protection.required_signatures is not true",
) if {
	not lib.missing("branch_protection")
	not input.evidence.branch_protection.required_signatures == true
}
