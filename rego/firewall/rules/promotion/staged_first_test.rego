package firewall.rules.promotion.staged_first_test

import data.firewall.rules.promotion.staged_first

_digest := "sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b"

# 2026-11-28T14:00:00Z
_now := 1795874400000000000

_input(environment, promotion) := {
	"request": {"environment": environment, "time": "2026-11-28T14:00:00Z", "time_ns": _now},
	"artifact": {"digest": _digest},
	"evidence": {"promotion": promotion},
}

_config := {"production": {"from": "staging", "min_hours": 24}}

_messages(denies) := {v.message | some v in denies}

test_allow_digest_soaked_in_staging if {
	promotion := {"allowed": {"staging": {"first_at": "2026-11-26T09:00:00Z", "decision_id": "0193a"}}}
	count(staged_first.deny) == 0 with input as _input("production", promotion) with data.firewall.config.promotion as _config
}

test_rule_does_not_apply_to_other_environments if {
	count(staged_first.deny) == 0 with input as {"request": {"environment": "staging"}, "evidence": {}} with data.firewall.config.promotion as _config
}

test_deny_digest_never_allowed_in_staging if {
	denies := staged_first.deny with input as _input("production", {"allowed": {}}) with data.firewall.config.promotion as _config
	_messages(denies) == {sprintf("%s was never allowed in staging; deploy it there before production", [_digest])}
	some v in denies
	v.rule == "DFW-PROMOTION-001"
	v.severity == "high"
}

test_deny_evidence_about_another_environment if {
	promotion := {"allowed": {"development": {"first_at": "2026-11-20T09:00:00Z"}}}
	count(staged_first.deny) == 1 with input as _input("production", promotion) with data.firewall.config.promotion as _config
}

test_deny_digest_allowed_too_recently if {
	promotion := {"allowed": {"staging": {"first_at": "2026-11-28T09:00:00Z"}}}
	denies := staged_first.deny with input as _input("production", promotion) with data.firewall.config.promotion as _config
	_messages(denies) == {sprintf("%s was first allowed in staging at 2026-11-28T09:00:00Z, less than 24 hours before this request", [_digest])}
}

test_cannot_verify_without_promotion_evidence if {
	denies := staged_first.deny with input as {"request": {"environment": "production"}, "artifact": {"digest": _digest}, "evidence": {}} with data.firewall.config.promotion as _config
	_messages(denies) == {sprintf("cannot verify that %s was allowed in staging first: no evidence was provided", [_digest])}
}

# An environment the bundle does not list is enforced as unknown_environment (production), so
# it is promoted to as production is: a case variant or a typo does not skip staging.
test_deny_unlisted_environment_promoted_as_production if {
	every environment in ["Production", "prodution"] {
		denies := staged_first.deny with input as _input(environment, {"allowed": {}}) with data.firewall.config.promotion as _config
		_messages(denies) == {sprintf("%s was never allowed in staging; deploy it there before %s", [_digest, environment])}
	}
}

test_cannot_verify_unlisted_environment_without_promotion_evidence if {
	denies := staged_first.deny with input as {"request": {"environment": "Production"}, "artifact": {"digest": _digest}, "evidence": {}} with data.firewall.config.promotion as _config
	_messages(denies) == {sprintf("cannot verify that %s was allowed in staging first: no evidence was provided", [_digest])}
}

test_allow_unlisted_environment_soaked_in_staging if {
	promotion := {"allowed": {"staging": {"first_at": "2026-11-26T09:00:00Z"}}}
	count(staged_first.deny) == 0 with input as _input("prodution", promotion) with data.firewall.config.promotion as _config
}

test_unlisted_environment_follows_the_configured_unknown_environment if {
	count(staged_first.deny) == 0 with input as _input("qa", {"allowed": {}})
		with data.firewall.config.promotion as _config
		with data.firewall.config.unknown_environment as "staging"
}
