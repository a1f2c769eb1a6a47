package firewall.lib.verification_summary_test

import data.firewall

_violation(id, category) := {
	"rule": id,
	"title": sprintf("title of %s", [id]),
	"severity": "critical",
	"category": category,
	"message": sprintf("%s failed", [id]),
	"remediation": "fix it",
	"evidence": "seen",
}

# One pipeline rule, one pod-spec rule, the freeze rule: each always violated.
_rules := {
	"vulnerabilities": {"scan": {"deny": [_violation("T-VULN", "vulnerabilities")]}},
	"workload": {"privileged": {"deny": [_violation("T-WORKLOAD", "workload")]}},
	"change": {
		"freeze": {"deny": [_violation("T-FREEZE", "change")]},
		"ticket": {"deny": [_violation("T-TICKET", "change")]},
	},
}

_config := {
	"unknown_environment": "production",
	"environments": {"production": {"blocking": ["critical", "high"], "rules": {}}},
	"verification_summary": {"max_age_hours": 168, "still_judged": ["workload", "change.freeze"]},
}

_now := "2026-11-28T14:00:00Z"

_bundle := {"name": "firewall", "revision": "r7"}

_summary(overrides) := object.union(
	{
		"verified": true,
		"decision_id": "0193f7a2-0000-7000-8000-0000000000ad",
		"environment": "production",
		"bundle": _bundle,
		"time_verified": "2026-11-28T13:00:00Z",
		"location": "registry.example.com/payments/api:sha256-4f1c.att",
	},
	overrides,
)

_input(summary) := {
	"request": {
		"application": "payments",
		"environment": "production",
		"time": _now,
		"time_ns": time.parse_rfc3339_ns(_now),
		"bundle": _bundle,
	},
	"verification_summary": summary,
}

_denied(input_document) := {v.rule | some v in d.deny.critical} if {
	d := firewall.decision with input as input_document
		with data.firewall.rules as _rules
		with data.firewall.config as _config
}

test_without_a_summary_every_rule_judges if {
	req := object.remove(_input({}), ["verification_summary"])
	_denied(req) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_a_summary_leaves_the_pod_spec_and_the_freeze_to_judge if {
	_denied(_input(_summary({}))) == {"T-WORKLOAD", "T-FREEZE"}
}

test_a_summary_made_under_another_bundle_vouches_for_nothing if {
	_denied(_input(_summary({"bundle": {"name": "firewall", "revision": "r6"}}))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_a_summary_for_another_environment_vouches_for_nothing if {
	_denied(_input(_summary({"environment": "staging"}))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_an_unverified_summary_vouches_for_nothing if {
	_denied(_input(_summary({"verified": false}))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
	_denied(_input(_summary({"verified": "true"}))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_a_summary_older_than_max_age_vouches_for_nothing if {
	# 168 hours before the request is the limit; one second more is too old.
	_denied(_input(_summary({"time_verified": "2026-11-21T14:00:00Z"}))) == {"T-WORKLOAD", "T-FREEZE"}
	_denied(_input(_summary({"time_verified": "2026-11-21T13:59:59Z"}))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_a_summary_from_the_future_vouches_for_nothing if {
	_denied(_input(_summary({"time_verified": "2026-11-28T14:05:00Z"}))) == {"T-WORKLOAD", "T-FREEZE"}
	_denied(_input(_summary({"time_verified": "2026-11-28T14:05:01Z"}))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_a_summary_without_a_time_vouches_for_nothing if {
	_denied(_input(object.remove(_summary({}), ["time_verified"]))) == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}

test_without_the_still_judged_list_a_summary_vouches_for_nothing if {
	d := firewall.decision with input as _input(_summary({}))
		with data.firewall.rules as _rules
		with data.firewall.config as object.union(object.remove(_config, ["verification_summary"]), {"verification_summary": {"max_age_hours": 168}})
	{v.rule | some v in d.deny.critical} == {"T-VULN", "T-WORKLOAD", "T-FREEZE", "T-TICKET"}
}
