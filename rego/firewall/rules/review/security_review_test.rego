package firewall.rules.review.security_review_test

import data.firewall.rules.review.security_review

_request := {
	"id": "0193a4f2-6c1e-7d3b-9a8f-2e5d4c3b2a10",
	"time": "2026-11-28T14:00:00Z",
	"time_ns": 1795874400000000000,
	"application": "payments",
	"service": "payments-api",
	"environment": "production",
}

_review := {"state": "approved", "reviewer": "appsec@acme.example", "completed_at": "2026-11-20T10:12:00Z"}

_input(review) := {"request": _request, "evidence": {"security_review": review}}

_messages(denies) := {v.message | some v in denies}

test_allow_approved_review if {
	count(security_review.deny) == 0 with input as _input(_review)
}

test_allow_state_in_other_case if {
	count(security_review.deny) == 0 with input as _input(object.union(_review, {"state": "APPROVED"}))
}

test_deny_when_review_is_pending if {
	review := {"state": "pending", "reviewer": "appsec@acme.example", "completed_at": null}
	denies := security_review.deny with input as _input(review)
	_messages(denies) == {"the security review of payments is in state \"pending\" (reviewer appsec@acme.example), not approved"}
	some v in denies
	v.rule == "DFW-REVIEW-001"
	v.severity == "high"
	v.category == "review"
	v.title == "An approved security review"
	v.evidence == "security_review.state = \"pending\""
}

test_deny_when_review_is_rejected_without_reviewer if {
	denies := security_review.deny with input as _input({"state": "rejected"})
	_messages(denies) == {"the security review of payments is in state \"rejected\", not approved"}
}

test_deny_when_review_has_no_state if {
	denies := security_review.deny with input as _input(object.remove(_review, ["state"]))
	_messages(denies) == {"the security review of payments is in state <unknown state> (reviewer appsec@acme.example), not approved"}
}

test_deny_when_review_is_not_an_object if {
	denies := security_review.deny with input as {"evidence": {"security_review": true}}
	_messages(denies) == {"the security review of <unknown application> is in state <unknown state>, not approved"}
}

test_cannot_verify_when_evidence_missing if {
	denies := security_review.deny with input as {
		"request": _request,
		"evidence": {},
		"unavailable": {"security_review": "no security review recorded for payments"},
	}
	_messages(denies) == {"cannot verify the security review of payments: no security review recorded for payments"}
	some v in denies
	v.severity == "high"
	v.evidence == "evidence.security_review unavailable"
}

test_cannot_verify_without_reason if {
	denies := security_review.deny with input as {"request": _request, "evidence": {"security_review": null}}
	_messages(denies) == {"cannot verify the security review of payments: no evidence was provided"}
}
