# METADATA
# description: DFW-CHANGE-001 — an approved change ticket covers the deployment, inside its window.
package firewall.rules.change.change_ticket

import data.firewall.lib

# METADATA
# title: An approved change ticket covers the deployment
# description: >-
#   The change ticket the deployment names is approved and, when it sets a change window,
#   the request falls inside that window. Which environments need a ticket is bundle data
#   (config), not this rule.
#   Controls: NIST SP 800-53 CM-3 (configuration change control: changes are approved and
#   documented), SOC 2 CC8.1 (changes are authorized, approved and implemented as
#   planned), CIS-SSCS 1.1.2 (any change can be traced back to its associated task).
# custom:
#   id: DFW-CHANGE-001
#   severity: high
#   category: change
#   remediation: >-
#     Name an approved change ticket in the deployment request (change_ticket) and deploy
#     inside the ticket's change window, or have the change approved or rescheduled in the
#     change-management system first.
#   controls:
#     - NIST-800-53:CM-3
#     - SOC2:CC8.1
#     - CIS-SSCS:1.1.2
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_ticket := input.evidence.change_ticket

_window := _ticket.window

# The ticket the request named: on the request itself, or in the check request's body.
_requested_id := id if {
	id := input.request.change_ticket
	_named(id)
} else := id if {
	id := input.change_ticket
	_named(id)
}

_ticket_id := id if {
	id := _ticket.id
	_named(id)
} else := id if {
	id := _requested_id
} else := "<unknown ticket>"

_findings contains lib.cannot_verify("change_ticket", sprintf("change ticket %s", [_requested_id])) if {
	lib.missing("change_ticket")
	_requested_id
}

_findings contains lib.cannot_verify("change_ticket", "the change ticket") if {
	lib.missing("change_ticket")
	not _requested_id
}

_findings contains lib.finding(
	sprintf("change ticket %s is in state %s, not approved", [_ticket_id, _state]),
	sprintf("change_ticket.state = %s", [_state]),
) if {
	not lib.missing("change_ticket")
	not _approved
}

_findings contains lib.finding(
	sprintf("request time %s is before the window of change ticket %s, which opens at %s", [_request_time, _ticket_id, _window.start]),
	sprintf("change_ticket.window.start = %s; request.time = %s", [_window.start, _request_time]),
) if {
	_now < _start
}

_findings contains lib.finding(
	sprintf("request time %s is after the window of change ticket %s, which closed at %s", [_request_time, _ticket_id, _window.end]),
	sprintf("change_ticket.window.end = %s; request.time = %s", [_window.end, _request_time]),
) if {
	_now > _end
}

# A window that is there but cannot be read denies: the deployment cannot be shown to be
# inside it.
_findings contains lib.finding(
	sprintf("change ticket %s: window %s %s is not an RFC 3339 time", [_ticket_id, bound, _bound_text(bound)]),
	sprintf("change_ticket.window.%s cannot be parsed", [bound]),
) if {
	_has_window
	some bound in ["start", "end"]
	not _bound_readable(bound)
}

_findings contains lib.finding(
	sprintf("the request time is unknown, so the window of change ticket %s cannot be checked", [_ticket_id]),
	"request.time_ns is not a number",
) if {
	_has_window
	not _now
}

_named(id) if {
	is_string(id)
	id != ""
}

# Collectors map each system's states onto lower-case names; the case is forgiven, the
# state is not.
_approved if {
	is_string(_ticket.state)
	lower(_ticket.state) == "approved"
}

_state := sprintf("\"%s\"", [_ticket.state]) if {
	is_string(_ticket.state)
} else := "<unknown state>"

_has_window if {
	not lib.missing("change_ticket")
	_window != null
}

_start := time.parse_rfc3339_ns(_window.start) if is_string(_window.start)

_end := time.parse_rfc3339_ns(_window.end) if is_string(_window.end)

_bound_readable("start") if _start
_bound_readable("end") if _end

_bound_text(bound) := sprintf("\"%s\"", [_window[bound]]) if {
	is_string(_window[bound])
} else := "<missing>"

_now := n if {
	n := input.request.time_ns
	is_number(n)
}

_request_time := lib.field("request", "time", "<unknown time>")
