package firewall.rules.change.change_ticket_test

import data.firewall.rules.change.change_ticket

_request := {
	"id": "0193a4f2-6c1e-7d3b-9a8f-2e5d4c3b2a10",
	"time": "2026-11-28T14:00:00Z",
	"time_ns": 1795874400000000000,
	"application": "payments",
	"service": "payments-api",
	"environment": "production",
	"requested_by": "spinnaker",
	"change_ticket": "CHG0012345",
}

_ticket := {
	"id": "CHG0012345",
	"system": "servicenow",
	"state": "approved",
	"approved_by": ["maria.lopez", "cab-payments"],
	"window": {"start": "2026-11-28T13:00:00Z", "end": "2026-11-28T17:00:00Z"},
}

_input(ticket) := {"request": _request, "evidence": {"change_ticket": ticket}}

_with_window(window) := object.union(object.remove(_ticket, ["window"]), {"window": window})

_messages(denies) := {v.message | some v in denies}

test_allow_approved_ticket_inside_its_window if {
	count(change_ticket.deny) == 0 with input as _input(_ticket)
}

test_allow_approved_ticket_at_the_window_bounds if {
	count(change_ticket.deny) == 0 with input as _input(_with_window({"start": "2026-11-28T14:00:00Z", "end": "2026-11-28T14:00:00Z"}))
}

test_allow_approved_ticket_without_window if {
	count(change_ticket.deny) == 0 with input as _input(object.remove(_ticket, ["window"]))
	count(change_ticket.deny) == 0 with input as _input(_with_window(null))
}

test_allow_state_in_other_case if {
	count(change_ticket.deny) == 0 with input as _input(object.union(_ticket, {"state": "Approved"}))
}

test_deny_when_ticket_not_approved if {
	denies := change_ticket.deny with input as _input(object.union(_ticket, {"state": "assess", "approved_by": []}))
	_messages(denies) == {"change ticket CHG0012345 is in state \"assess\", not approved"}
	some v in denies
	v.rule == "DFW-CHANGE-001"
	v.severity == "high"
	v.category == "change"
	v.title == "An approved change ticket covers the deployment"
	v.evidence == "change_ticket.state = \"assess\""
}

test_deny_when_ticket_has_no_state if {
	ticket := object.remove(_ticket, ["state", "id"])
	denies := change_ticket.deny with input as _input(ticket)
	_messages(denies) == {"change ticket CHG0012345 is in state <unknown state>, not approved"}
}

test_deny_when_ticket_is_not_an_object if {
	denies := change_ticket.deny with input as {"evidence": {"change_ticket": "CHG0012345"}}
	_messages(denies) == {"change ticket <unknown ticket> is in state <unknown state>, not approved"}
}

test_deny_when_request_is_before_the_window if {
	denies := change_ticket.deny with input as _input(_with_window({"start": "2026-11-28T22:00:00Z", "end": "2026-11-29T02:00:00Z"}))
	_messages(denies) == {"request time 2026-11-28T14:00:00Z is before the window of change ticket CHG0012345, which opens at 2026-11-28T22:00:00Z"}
	some v in denies
	v.evidence == "change_ticket.window.start = 2026-11-28T22:00:00Z; request.time = 2026-11-28T14:00:00Z"
}

test_deny_when_request_is_after_the_window if {
	denies := change_ticket.deny with input as _input(_with_window({"start": "2026-11-27T22:00:00Z", "end": "2026-11-28T13:59:59Z"}))
	_messages(denies) == {"request time 2026-11-28T14:00:00Z is after the window of change ticket CHG0012345, which closed at 2026-11-28T13:59:59Z"}
	some v in denies
	v.evidence == "change_ticket.window.end = 2026-11-28T13:59:59Z; request.time = 2026-11-28T14:00:00Z"
}

test_deny_when_window_compares_in_another_time_zone if {
	# 15:30 at UTC+02:00 is 13:30Z: the window closed half an hour before the request.
	denies := change_ticket.deny with input as _input(_with_window({"start": "2026-11-28T09:00:00+02:00", "end": "2026-11-28T15:30:00+02:00"}))
	_messages(denies) == {"request time 2026-11-28T14:00:00Z is after the window of change ticket CHG0012345, which closed at 2026-11-28T15:30:00+02:00"}
}

test_deny_when_window_bound_is_not_a_time if {
	denies := change_ticket.deny with input as _input(_with_window({"start": "Saturday 13:00", "end": "2026-11-28T17:00:00Z"}))
	_messages(denies) == {"change ticket CHG0012345: window start \"Saturday 13:00\" is not an RFC 3339 time"}
	some v in denies
	v.evidence == "change_ticket.window.start cannot be parsed"
}

test_deny_when_window_bounds_are_missing if {
	denies := change_ticket.deny with input as _input(_with_window({}))
	_messages(denies) == {
		"change ticket CHG0012345: window start <missing> is not an RFC 3339 time",
		"change ticket CHG0012345: window end <missing> is not an RFC 3339 time",
	}
}

test_deny_when_window_is_not_an_object if {
	denies := change_ticket.deny with input as _input(_with_window("2026-11-28 13:00-17:00"))
	count(denies) == 2
}

test_deny_when_request_time_is_unknown if {
	request := object.remove(_request, ["time", "time_ns"])
	denies := change_ticket.deny with input as {"request": request, "evidence": {"change_ticket": _ticket}}
	_messages(denies) == {"the request time is unknown, so the window of change ticket CHG0012345 cannot be checked"}
}

test_deny_every_failure_at_once if {
	ticket := object.union(_ticket, {"state": "rejected", "window": {"start": "2026-12-01T08:00:00Z", "end": "soon"}})
	denies := change_ticket.deny with input as _input(ticket)
	_messages(denies) == {
		"change ticket CHG0012345 is in state \"rejected\", not approved",
		"request time 2026-11-28T14:00:00Z is before the window of change ticket CHG0012345, which opens at 2026-12-01T08:00:00Z",
		"change ticket CHG0012345: window end \"soon\" is not an RFC 3339 time",
	}
}

test_cannot_verify_when_evidence_missing if {
	denies := change_ticket.deny with input as {
		"request": _request,
		"evidence": {},
		"unavailable": {"change_ticket": "ServiceNow answered 404: No Record found"},
	}
	_messages(denies) == {"cannot verify change ticket CHG0012345: ServiceNow answered 404: No Record found"}
	some v in denies
	v.severity == "high"
	v.evidence == "evidence.change_ticket unavailable"
}

test_cannot_verify_ticket_named_in_check_request if {
	denies := change_ticket.deny with input as {
		"request": object.remove(_request, ["change_ticket"]),
		"change_ticket": "CHG0098765",
		"evidence": {"change_ticket": null},
	}
	_messages(denies) == {"cannot verify change ticket CHG0098765: no evidence was provided"}
}

test_cannot_verify_without_ticket_named if {
	denies := change_ticket.deny with input as {"request": object.union(_request, {"change_ticket": ""}), "evidence": {}}
	_messages(denies) == {"cannot verify the change ticket: no evidence was provided"}
}
