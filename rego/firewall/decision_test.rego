package firewall_test

import data.firewall

_violation(id, severity) := {
	"rule": id,
	"title": sprintf("title of %s", [id]),
	"severity": severity,
	"category": "test",
	"message": sprintf("%s failed", [id]),
	"remediation": "fix it",
	"evidence": "seen",
}

# A rule tree standing in for data.firewall.rules: one violation per severity.
_rules := {"test": {
	"crit": {"deny": [_violation("T-CRIT", "critical")]},
	"high": {"deny": [_violation("T-HIGH", "high")]},
	"med": {"deny": [_violation("T-MED", "medium")]},
	"low": {"deny": [_violation("T-LOW", "low")]},
}}

_now := "2026-11-28T14:00:00Z"

_now_ns := time.parse_rfc3339_ns(_now)

_input(env) := {"request": {
	"application": "payments",
	"environment": env,
	"requested_by": "spinnaker",
	"time": _now,
	"time_ns": _now_ns,
}}

_ids(vs) := {v.rule | some v in vs}

_waiver(overrides) := object.union(
	{
		"id": "w-1",
		"rule": "T-CRIT",
		"application": "payments",
		"environment": "production",
		"reason": "vendor fix due next week",
		"requested_by": "alice",
		"approved_by": "security-lead",
		"expires_at": "2026-12-01T00:00:00Z",
	},
	overrides,
)

_decide(req) := d if {
	d := firewall.decision with input as req with data.firewall.rules as _rules
}

test_production_blocks_critical_and_high if {
	d := _decide(_input("production"))
	d.allow == false
	d.environment == "production"
	_ids(d.deny.critical) == {"T-CRIT"}
	_ids(d.deny.high) == {"T-HIGH"}
	d.deny.medium == []
	d.deny.low == []
	_ids(d.warn.medium) == {"T-MED"}
	_ids(d.warn.low) == {"T-LOW"}
	d.warn.critical == []
	d.waived == []
}

test_staging_blocks_only_critical if {
	d := _decide(_input("staging"))
	d.allow == false
	_ids(d.deny.critical) == {"T-CRIT"}
	d.deny.high == []
	_ids(d.warn.high) == {"T-HIGH"}
}

test_development_never_blocks if {
	d := _decide(_input("development"))
	d.allow == true
	every severity in firewall.severities {
		d.deny[severity] == []
	}
	_ids(d.warn.critical) == {"T-CRIT"}
}

test_unknown_environment_is_treated_as_production if {
	d := _decide(_input("qa-eu-7"))
	d.allow == false
	d.environment == "qa-eu-7"
	_ids(d.deny.high) == {"T-HIGH"}
}

test_missing_environment_is_treated_as_production if {
	d := _decide({})
	d.allow == false
	d.environment == ""
	_ids(d.deny.critical) == {"T-CRIT"}
}

test_allow_when_no_rule_denies if {
	d := firewall.decision with input as _input("production") with data.firewall.rules as {}
	d.allow == true
	d.deny == {"critical": [], "high": [], "medium": [], "low": []}
	d.warn == {"critical": [], "high": [], "medium": [], "low": []}
	d.waived == []
}

test_bundle_data_switches_a_rule_off_per_environment if {
	d := _decide(_input("production")) with data.firewall.config.environments.production.rules as {"T-CRIT": {"enabled": false}}
	d.deny.critical == []
	_ids(d.deny.high) == {"T-HIGH"}
}

test_bundle_data_changes_severity_per_environment if {
	d := _decide(_input("production")) with data.firewall.config.environments.production.rules as {"T-HIGH": {"severity": "low"}}
	d.deny.high == []
	_ids(d.warn.low) == {"T-LOW", "T-HIGH"}
	some v in d.warn.low
	v.rule == "T-HIGH"
	v.severity == "low"
}

test_unreadable_enforcement_blocks_everything if {
	d := _decide(_input("production")) with data.firewall.config as {}
	d.allow == false
	_ids(d.deny.low) == {"T-LOW"}
}

test_change_ticket_rule_is_off_outside_production if {
	d := firewall.decision with input as _input("staging")
		with data.firewall.rules as {"change": {"ticket": {"deny": [_violation("DFW-CHANGE-001", "high")]}}}
	d.warn.high == []
	d.allow == true
}

test_waiver_moves_violation_to_waived if {
	req := object.union(_input("production"), {"waivers": [_waiver({})]})
	d := _decide(req)
	d.deny.critical == []
	count(d.waived) == 1
	d.waived[0].rule == "T-CRIT"
	d.waived[0].waiver_id == "w-1"
	d.waived[0].approved_by == "security-lead"
	d.waived[0].expires_at == "2026-12-01T00:00:00Z"
	_ids(d.deny.high) == {"T-HIGH"}
}

test_waiver_for_every_environment if {
	req := object.union(_input("staging"), {"waivers": [_waiver({"environment": "*"})]})
	d := _decide(req)
	d.allow == true
	count(d.waived) == 1
}

test_expired_waiver_does_not_apply if {
	req := object.union(_input("production"), {"waivers": [_waiver({"expires_at": "2026-11-28T13:59:59Z"})]})
	d := _decide(req)
	_ids(d.deny.critical) == {"T-CRIT"}
	d.waived == []
}

test_waiver_expiring_at_request_time_does_not_apply if {
	req := object.union(_input("production"), {"waivers": [_waiver({"expires_at": _now})]})
	d := _decide(req)
	d.waived == []
}

test_waiver_with_unparseable_expiry_does_not_apply if {
	req := object.union(_input("production"), {"waivers": [_waiver({"expires_at": "next tuesday"})]})
	d := _decide(req)
	d.waived == []
}

test_waiver_for_other_environment_application_or_rule_does_not_apply if {
	waivers := [
		_waiver({"environment": "staging"}),
		_waiver({"application": "billing"}),
		_waiver({"rule": "T-OTHER"}),
	]
	d := _decide(object.union(_input("production"), {"waivers": waivers}))
	d.waived == []
}

test_waiver_not_applied_to_deployment_requested_by_its_approver if {
	req := object.union(_input("production"), {"waivers": [_waiver({"approved_by": "spinnaker"})]})
	d := _decide(req)
	d.waived == []
}

test_waiver_without_approver_does_not_apply if {
	req := object.union(_input("production"), {"waivers": [object.remove(_waiver({}), ["approved_by"])]})
	d := _decide(req)
	d.waived == []
}

test_waiver_pinned_to_a_digest_applies_only_to_that_digest if {
	base := object.union(_input("production"), {"waivers": [_waiver({"artifact_digest": "sha256:aaa"})]})
	other := object.union(base, {"artifact": {"digest": "sha256:bbb"}})
	same := object.union(base, {"artifact": {"digest": "sha256:aaa"}})
	_decide(other).waived == []
	count(_decide(same).waived) == 1
}

test_smallest_waiver_id_is_reported_when_several_match if {
	waivers := [_waiver({"id": "w-9"}), _waiver({"id": "w-2"}), "not a waiver"]
	d := _decide(object.union(_input("production"), {"waivers": waivers}))
	d.waived[0].waiver_id == "w-2"
	count(d.waived) == 1
}

test_violations_are_ordered_by_rule_and_message if {
	rules := {"a": {"b": {"deny": [_violation("Z-1", "high"), _violation("A-1", "high")]}}}
	d := firewall.decision with input as _input("production") with data.firewall.rules as rules
	[v.rule | some v in d.deny.high] == ["A-1", "Z-1"]
}

# Two rules that emit the same violation (after the environment's severity) list it once,
# and violations of one rule come out ordered by message whatever order the rules gave them.
test_a_violation_two_rules_emit_is_listed_once_in_order if {
	same := _violation("T-SAME", "high")
	later := object.union(_violation("T-SAME", "high"), {"message": "T-SAME failed again"})
	d := firewall.decision with input as _input("production")
		with data.firewall.rules as {"test": {"one": {"deny": [later, same]}, "two": {"deny": [same]}}}
	d.deny.high == [same, later]
}
