# METADATA
# description: DFW-GIT-005 — administrators are held to the deployed branch's protection.
package firewall.rules.git.admin_enforcement

import data.firewall.lib

# METADATA
# title: Administrators cannot bypass the deployed branch's protection
# description: >-
#   Branch protection of the deployed branch is enforced for administrators too, so that a
#   repository administrator (or a stolen administrator token) cannot push unreviewed
#   commits. Controls: CIS-SSCS 1.1.14 (branch protection rules are enforced for
#   administrators), NIST SP 800-53 CM-5 (access restrictions for change) and AC-6 (least
#   privilege), SOC 2 CC8.1, OWASP CICD-SEC-1 (insufficient flow control mechanisms).
# custom:
#   id: DFW-GIT-005
#   severity: high
#   category: git
#   remediation: >-
#     In the branch protection of the deployed branch, turn on "Do not allow bypassing the
#     above settings" (enforce_admins).
#   controls:
#     - CIS-SSCS:1.1.14
#     - NIST-800-53:CM-5
#     - NIST-800-53:AC-6
#     - SOC2:CC8.1
#     - OWASP-CICD:CICD-SEC-1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("branch_protection", sprintf("that administrators are held to the protection of %s", [lib.source_ref])) if {
	lib.missing("branch_protection")
}

_findings contains lib.finding(
	sprintf("administrators can bypass the protection of branch %s", [lib.source_ref]),
	"branch_protection.enforce_admins is not true",
) if {
	not lib.missing("branch_protection")
	not input.evidence.branch_protection.enforce_admins == true
}
