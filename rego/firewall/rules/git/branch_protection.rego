# METADATA
# description: DFW-GIT-001 — the deployed branch is protected against unreviewed and destructive changes.
package firewall.rules.git.branch_protection

import data.firewall.lib

# METADATA
# title: Deployed branch is protected
# description: >-
#   The branch being deployed has branch protection on, requires at least one approving
#   review, and forbids force pushes and branch deletion, so that every deployed commit
#   was reviewed and history cannot be rewritten after the review.
#   Controls: CIS-SSCS 1.1.16 and 1.1.17 (force pushes and branch deletions are denied),
#   NIST SP 800-53 CM-3 (configuration change control) and CM-5 (access restrictions for
#   change), SOC 2 CC8.1 (changes are authorized and approved), OWASP CICD-SEC-1
#   (insufficient flow control mechanisms).
# custom:
#   id: DFW-GIT-001
#   severity: critical
#   category: git
#   remediation: >-
#     In the repository's settings, protect the branch: require a pull request with at
#     least one approving review, and leave "Allow force pushes" and "Allow deletions" off.
#   controls:
#     - CIS-SSCS:1.1.16
#     - CIS-SSCS:1.1.17
#     - NIST-800-53:CM-3
#     - NIST-800-53:CM-5
#     - SOC2:CC8.1
#     - OWASP-CICD:CICD-SEC-1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_protection := input.evidence.branch_protection

_findings contains lib.cannot_verify("branch_protection", sprintf("branch protection of %s", [lib.source_ref])) if {
	lib.missing("branch_protection")
}

_findings contains lib.finding(
	sprintf("branch %s is not protected", [lib.source_ref]),
	"branch_protection.protected is not true",
) if {
	not lib.missing("branch_protection")
	not _protection.protected == true
}

_findings contains lib.finding(
	sprintf("branch %s requires %s approving reviews; at least 1 is required", [lib.source_ref, _reviews_text]),
	sprintf("branch_protection.required_approving_reviews = %s", [_reviews_text]),
) if {
	_protection.protected == true
	not _reviews >= 1
}

_findings contains lib.finding(
	sprintf("branch %s allows force pushes", [lib.source_ref]),
	"branch_protection.allow_force_pushes is not false",
) if {
	_protection.protected == true
	not _protection.allow_force_pushes == false
}

_findings contains lib.finding(
	sprintf("branch %s allows deletion", [lib.source_ref]),
	"branch_protection.allow_deletions is not false",
) if {
	_protection.protected == true
	not _protection.allow_deletions == false
}

# The number as the input wrote it: sprintf's %v formats floats differently in OPA (Go's
# %g) and in the Wasm SDK (sprintf-js), so messages would differ between evaluators.
_reviews_text := json.marshal(_reviews)

_reviews := n if {
	n := _protection.required_approving_reviews
	is_number(n)
} else := 0
