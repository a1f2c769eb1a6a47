# METADATA
# description: DFW-GIT-002 — the deployed branch requires status checks to pass before a merge.
package firewall.rules.git.status_checks

import data.firewall.lib

# METADATA
# title: Status checks must pass before merging into the deployed branch
# description: >-
#   Branch protection of the deployed branch names at least one required status check, and
#   every check the security team requires (bundle data: required_status_checks) is among
#   them, so that no commit reaches the branch before CI built and tested it. Controls:
#   CIS-SSCS 1.1.9 (all checks have passed before merging new code), NIST SP 800-53 CM-3
#   (configuration change control: changes are tested before they are implemented), SOC 2
#   CC8.1 (changes are tested before implementation), OWASP CICD-SEC-1 (insufficient flow
#   control mechanisms).
# custom:
#   id: DFW-GIT-002
#   severity: high
#   category: git
#   remediation: >-
#     In the branch protection of the deployed branch, turn on "Require status checks to
#     pass before merging" and select the CI checks (for example ci/build), including every
#     check the security team lists in required_status_checks.
#   controls:
#     - CIS-SSCS:1.1.9
#     - NIST-800-53:CM-3
#     - SOC2:CC8.1
#     - OWASP-CICD:CICD-SEC-1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_protection := input.evidence.branch_protection

_findings contains lib.cannot_verify("branch_protection", sprintf("the required status checks of %s", [lib.source_ref])) if {
	lib.missing("branch_protection")
}

_findings contains lib.finding(
	sprintf("branch %s requires no status check before merging", [lib.source_ref]),
	"branch_protection.required_status_checks is empty",
) if {
	not lib.missing("branch_protection")
	count(_checks) == 0
}

_findings contains lib.finding(
	sprintf("branch %s does not require the status check %s", [lib.source_ref, check]),
	sprintf("branch_protection.required_status_checks lacks %s", [check]),
) if {
	count(_checks) > 0
	some check in _required
	not check in _checks
}

_checks := {c | some c in lib.list(_protection, "required_status_checks"); is_string(c); c != ""}

_required := {c | some c in object.get(data.firewall.config, "required_status_checks", []); is_string(c)}
