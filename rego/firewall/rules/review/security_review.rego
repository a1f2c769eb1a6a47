# METADATA
# description: DFW-REVIEW-001 — the application being deployed has an approved security review.
package firewall.rules.review.security_review

import data.firewall.lib

# METADATA
# title: An approved security review
# description: >-
#   The security team reviewed what is being deployed and approved it. A review that is
#   pending, in progress, rejected or expired does not count.
#   Controls: NIST SP 800-53 SA-11 (developer testing and evaluation) and CA-2 (control
#   assessments), SOC 2 CC8.1 (changes are designed, tested and approved).
# custom:
#   id: DFW-REVIEW-001
#   severity: high
#   category: review
#   remediation: >-
#     Request a security review of the application from the security team and deploy once
#     it is approved.
#   controls:
#     - NIST-800-53:SA-11
#     - NIST-800-53:CA-2
#     - SOC2:CC8.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_review := input.evidence.security_review

_application := lib.field("request", "application", "<unknown application>")

_findings contains lib.cannot_verify("security_review", sprintf("the security review of %s", [_application])) if {
	lib.missing("security_review")
}

_findings contains lib.finding(
	sprintf("the security review of %s is in state %s%s, not approved", [_application, _state, _reviewer]),
	sprintf("security_review.state = %s", [_state]),
) if {
	not lib.missing("security_review")
	not _approved
}

# Collectors map each tool's states onto lower-case names; the case is forgiven, the
# state is not.
_approved if {
	is_string(_review.state)
	lower(_review.state) == "approved"
}

_state := sprintf("\"%s\"", [_review.state]) if {
	is_string(_review.state)
} else := "<unknown state>"

_reviewer := sprintf(" (reviewer %s)", [_review.reviewer]) if {
	is_string(_review.reviewer)
	_review.reviewer != ""
} else := ""
