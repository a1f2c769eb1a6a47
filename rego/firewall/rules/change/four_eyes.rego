# METADATA
# description: DFW-CHANGE-003 — someone other than the author and the deployer approved the change.
package firewall.rules.change.four_eyes

import data.firewall.lib

# METADATA
# title: Four eyes — the deployer is neither the author nor the only approver
# description: >-
#   The pull request that brought the deployed commit was approved by at least one person
#   who is neither its author nor the one deploying it, and the deployer did not write it:
#   no single person can write, approve and ship a change. Names are compared without
#   case. Controls: NIST SP 800-53 AC-5 (separation of duties) and CM-3 (configuration
#   change control), SOC 2 CC8.1 (changes are authorized and approved), CIS-SSCS 1.1.3
#   (any change to code receives approval of strongly authenticated users other than its
#   author), OWASP CICD-SEC-1 (insufficient flow control mechanisms).
# custom:
#   id: DFW-CHANGE-003
#   severity: high
#   category: change
#   remediation: >-
#     Have a colleague who is neither the author nor the deployer review and approve the
#     pull request, and let someone other than the author (or the pipeline under its own
#     identity) deploy it.
#   controls:
#     - NIST-800-53:AC-5
#     - NIST-800-53:CM-3
#     - SOC2:CC8.1
#     - CIS-SSCS:1.1.3
#     - OWASP-CICD:CICD-SEC-1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_pull := input.evidence.pull_request

_commit := lib.field("source", "commit", "<unknown commit>")

_deployer := lower(lib.field("request", "requested_by", ""))

_author := lower(lib.text(_pull, "author", ""))

_pull_ref := sprintf("pull request #%s", [lib.number_text(_pull.number)]) if {
	is_number(_pull.number)
} else := "the pull request"

_findings contains lib.cannot_verify("pull_request", sprintf("who wrote and approved commit %s", [_commit])) if {
	lib.missing("pull_request")
}

_findings contains lib.finding(
	sprintf("%s of commit %s names no author", [_pull_ref, _commit]),
	"pull_request.author is absent",
) if {
	not lib.missing("pull_request")
	_author == ""
}

_findings contains lib.finding(
	sprintf("%s deploys commit %s, which they wrote (%s)", [lib.field("request", "requested_by", ""), _commit, _pull_ref]),
	sprintf("request.requested_by = pull_request.author = %s", [_author]),
) if {
	_author != ""
	_deployer == _author
}

_findings contains lib.finding(
	sprintf("%s of commit %s has no approval from anyone but its author and its deployer (approved by: %s)", [_pull_ref, _commit, _approvers_text]),
	sprintf("pull_request.approved_by minus author and deployer is empty: %s", [_approvers_text]),
) if {
	not lib.missing("pull_request")
	count(_independent) == 0
}

_approvers := {lower(a) | some a in lib.list(_pull, "approved_by"); is_string(a); a != ""}

_independent := _approvers - {_author, _deployer}

_approvers_text := concat(", ", sort(_approvers)) if {
	count(_approvers) > 0
} else := "nobody"
