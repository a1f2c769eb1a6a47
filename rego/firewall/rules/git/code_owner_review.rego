# METADATA
# description: DFW-GIT-003 — a change to owned code needs its code owners' review.
package firewall.rules.git.code_owner_review

import data.firewall.lib

# METADATA
# title: Code owners must review changes to the deployed branch
# description: >-
#   Branch protection of the deployed branch requires a review from the code owners
#   (CODEOWNERS) of the files a pull request changes, so that the people accountable for
#   sensitive code approve changes to it. Controls: CIS-SSCS 1.1.7 (code owner's review is
#   required when a change affects owned code), NIST SP 800-53 CM-5 (access restrictions
#   for change) and CM-3, SOC 2 CC8.1 (changes are authorized and approved), OWASP
#   CICD-SEC-1 (insufficient flow control mechanisms).
# custom:
#   id: DFW-GIT-003
#   severity: medium
#   category: git
#   remediation: >-
#     Add a CODEOWNERS file naming the owners of sensitive paths, and in the branch
#     protection of the deployed branch turn on "Require review from Code Owners".
#   controls:
#     - CIS-SSCS:1.1.7
#     - NIST-800-53:CM-3
#     - NIST-800-53:CM-5
#     - SOC2:CC8.1
#     - OWASP-CICD:CICD-SEC-1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("branch_protection", sprintf("the code owner review setting of %s", [lib.source_ref])) if {
	lib.missing("branch_protection")
}

_findings contains lib.finding(
	sprintf("branch %s does not require a review from code owners", [lib.source_ref]),
	"branch_protection.require_code_owner_reviews is not true",
) if {
	not lib.missing("branch_protection")
	not input.evidence.branch_protection.require_code_owner_reviews == true
}
