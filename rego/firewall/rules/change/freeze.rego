# METADATA
# description: >-
#   DFW-CHANGE-002 — no deployment inside a deploy freeze, with the freezes expanded into
#   concrete UTC windows when the bundle is built (dfw freeze expand).
package firewall.rules.change.freeze

import data.firewall.config
import data.firewall.lib

# METADATA
# title: No deployment inside a deploy freeze
# description: >-
#   The request time is outside every deploy freeze that covers the deployment's environment
#   and application. Freezes are data the security team versions
#   (rego/firewall/config/freezes.yaml and the .ics calendars it imports): one-off and
#   recurring windows (iCalendar RRULE), each in its own time zone, expanded into UTC windows
#   for a bounded horizon when the bundle is built, so the decision never reads a clock. A
#   request time outside that horizon cannot be verified. A break-glass waiver (approver not
#   the requester) lets a deployment through and is logged with the decision. Serves
#   configuration change control (NIST SP 800-53 CM-3: changes are implemented only when
#   authorized), SOC 2 CC8.1 (changes are authorized and implemented in a controlled way) and
#   OWASP CI/CD Top 10 CICD-SEC-1 (insufficient flow control: nothing reaches production
#   outside the agreed flow).
# custom:
#   id: DFW-CHANGE-002
#   severity: critical
#   category: change
#   controls:
#     - NIST-800-53:CM-3
#     - SOC2:CC8.1
#     - OWASP-CICD:CICD-SEC-1
#   remediation: >-
#     Deploy after the freeze ends (the message says when). If the deployment cannot wait,
#     ask an approver other than the requester for a break-glass waiver of DFW-CHANGE-002
#     pinned to the artifact digest and expiring soon (dfw waivers add --rule DFW-CHANGE-002
#     --digest sha256:… --expires 2h); it is recorded with the decision.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

# Absent when the bundle carries no freeze calendar: then no freeze covers anything.
_calendar := config.freeze_windows

_application := lib.field("request", "application", "")

_now := n if {
	n := input.request.time_ns
	is_number(n)
}

# The environment names a freeze covers this deployment by. The enforced one: a name the
# bundle does not list is enforced as unknown_environment and so meets that environment's
# freezes (lib.enforced_environment). The requested one too, so that a freeze naming an
# environment the bundle's enforcement does not list still covers a deployment to it.
_environment_names := {"*", lib.environment, lib.enforced_environment}

_covers(freeze) if {
	some listed in freeze.environments
	listed in _environment_names
	_listed(freeze.applications, _application)
}

_listed(names, name) if {
	some listed in names
	listed in {"*", name}
}

_covering contains id if {
	some id, freeze in _calendar.freezes
	_covers(freeze)
}

_findings contains lib.finding(
	sprintf("deployment of %s to %s is inside deploy freeze %s (%s)%s until %s: %s", [
		_application, lib.environment, id, freeze.title, _summary(window), window.ends_local, freeze.message,
	]),
	sprintf("freeze %s window %s to %s; request.time = %s", [id, window.start, window.end, _request_time]),
) if {
	some id in _covering
	freeze := _calendar.freezes[id]
	some window in freeze.windows
	window.start_ns <= _now
	_now < window.end_ns
}

# The calendar only knows its horizon: outside it (or with no request time at all), a
# freeze that covers the deployment may or may not be on.
_findings contains lib.finding(
	sprintf("cannot verify deploy freezes %s: request time %s is not within the freeze calendar's horizon (%s to %s); run dfw freeze expand with a later horizon and rebuild the bundle", [
		concat(", ", sort(_covering)), _request_time, _calendar.horizon.from, _calendar.horizon.to,
	]),
	"request.time outside freeze_windows.horizon",
) if {
	count(_covering) > 0
	not _within_horizon
}

_within_horizon if {
	_calendar.horizon.from_ns <= _now
	_now < _calendar.horizon.to_ns
}

# ", Christmas," for a window imported from an .ics event, else nothing.
_summary(window) := concat("", [sprintf(", %s,", [s]) | s := object.get(window, "summary", null); is_string(s)])

_request_time := lib.field("request", "time", "<unknown time>")
