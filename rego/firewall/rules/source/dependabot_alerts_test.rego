package firewall.rules.source.dependabot_alerts_test

import data.firewall.rules.source.dependabot_alerts

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(open) := {"source": _source, "evidence": {"dependabot_alerts": {"open": open}}}

_messages(denies) := {v.message | some v in denies}

_alert := {"number": 7, "severity": "critical", "package": "lodash", "ecosystem": "npm", "advisory": "GHSA-jf85-cpcp-j695"}

test_allow_no_open_critical_alert if {
	count(dependabot_alerts.deny) == 0 with input as _input([object.union(_alert, {"severity": "high"})])
}

test_deny_open_critical_alert if {
	denies := dependabot_alerts.deny with input as _input([_alert])
	_messages(denies) == {"github.com/acme/payments has open Dependabot alert #7 (critical) for lodash: GHSA-jf85-cpcp-j695"}
	some v in denies
	v.rule == "DFW-SOURCE-002"
	v.severity == "critical"
}

test_deny_high_alerts_when_configured if {
	denies := dependabot_alerts.deny with input as _input([object.union(_alert, {"severity": "HIGH", "number": "x"})])
		with data.firewall.config.source.dependabot_blocking_severities as ["critical", "high"]
	_messages(denies) == {"github.com/acme/payments has open Dependabot alert <unnumbered> (high) for lodash: GHSA-jf85-cpcp-j695"}
}

test_deny_when_alerts_are_not_a_list if {
	count(dependabot_alerts.deny) == 1 with input as {"source": _source, "evidence": {"dependabot_alerts": {"open": 3}}}
}

test_cannot_verify_without_alerts if {
	denies := dependabot_alerts.deny with input as {"source": _source, "evidence": {}}
	_messages(denies) == {"cannot verify the open Dependabot alerts of github.com/acme/payments: no evidence was provided"}
}
