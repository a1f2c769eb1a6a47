package firewall.rules.change.freeze_test

import data.firewall.rules.change.freeze

# A calendar as dfw freeze expand writes it: a weekly freeze with one window either side of
# the Berlin DST change of 2026-03-29, and an imported holiday with a summary.
_calendar := {
	"horizon": {
		"from": "2026-01-01T00:00:00.000Z", "to": "2027-01-01T00:00:00.000Z",
		"from_ns": 1767225600000000000, "to_ns": 1798761600000000000,
	},
	"freezes": {
		"storefront-weekend": {
			"title": "Storefront weekend freeze",
			"message": "no weekend deployments",
			"time_zone": "Europe/Berlin",
			"environments": ["production"],
			"applications": ["storefront"],
			"windows": [
				{
					"start": "2026-03-20T23:00:00.000Z", "end": "2026-03-23T05:00:00.000Z",
					"start_ns": 1774047600000000000, "end_ns": 1774242000000000000,
					"ends_local": "2026-03-23 06:00 Europe/Berlin (+01:00)",
				},
				{
					"start": "2026-03-27T23:00:00.000Z", "end": "2026-03-30T04:00:00.000Z",
					"start_ns": 1774652400000000000, "end_ns": 1774843200000000000,
					"ends_local": "2026-03-30 06:00 Europe/Berlin (+02:00)",
				},
			],
		},
		"holidays": {
			"title": "Company holidays",
			"message": "nobody is on call",
			"time_zone": "Europe/Berlin",
			"environments": ["*"],
			"applications": ["*"],
			"windows": [{
				"start": "2026-12-24T23:00:00.000Z", "end": "2026-12-25T23:00:00.000Z",
				"start_ns": 1798153200000000000, "end_ns": 1798239600000000000,
				"ends_local": "2026-12-26 00:00 Europe/Berlin (+01:00)", "summary": "Christmas Day",
			}],
		},
	},
}

_input(application, environment, at) := {"request": {
	"application": application,
	"environment": environment,
	"time": at,
	"time_ns": time.parse_rfc3339_ns(at),
}}

_deny(application, environment, at) := denies if {
	denies := freeze.deny with input as _input(application, environment, at)
		with data.firewall.config.freeze_windows as _calendar
}

_messages(vs) := {v.message | some v in vs}

test_deny_inside_weekly_freeze_before_dst if {
	# Saturday 2026-03-21 12:00 Berlin (+01:00)
	denies := _deny("storefront", "production", "2026-03-21T11:00:00Z")
	count(denies) == 1
	some v in denies
	v.rule == "DFW-CHANGE-002"
	v.severity == "critical"
	"SOC2:CC8.1" in v.controls
	contains(v.message, "inside deploy freeze storefront-weekend (Storefront weekend freeze) until 2026-03-23 06:00 Europe/Berlin (+01:00)")
	contains(v.evidence, "window 2026-03-20T23:00:00.000Z to 2026-03-23T05:00:00.000Z")
}

test_deny_until_monday_six_local_after_dst if {
	# Monday 2026-03-30 05:59 Berlin is 03:59Z once summer time began
	denies := _deny("storefront", "production", "2026-03-30T03:59:00Z")
	count(denies) == 1
	some v in denies
	contains(v.message, "until 2026-03-30 06:00 Europe/Berlin (+02:00)")
}

test_allow_monday_after_freeze_ends_after_dst if {
	# 06:00 local is 04:00Z in summer time: the end is exclusive
	count(_deny("storefront", "production", "2026-03-30T04:00:00Z")) == 0
}

test_allow_before_the_freeze_starts if {
	count(_deny("storefront", "production", "2026-03-27T22:59:59Z")) == 0
}

test_allow_other_application_or_environment if {
	count(_deny("payments", "production", "2026-03-21T11:00:00Z")) == 0
	count(_deny("storefront", "staging", "2026-03-21T11:00:00Z")) == 0
}

test_deny_imported_holiday_names_the_event if {
	denies := _deny("payments", "development", "2026-12-25T10:00:00Z")
	_messages(denies) == {"deployment of payments to development is inside deploy freeze holidays (Company holidays), Christmas Day, until 2026-12-26 00:00 Europe/Berlin (+01:00): nobody is on call"}
}

test_cannot_verify_outside_the_horizon if {
	denies := _deny("storefront", "production", "2027-03-21T11:00:00Z")
	_messages(denies) == {"cannot verify deploy freezes holidays, storefront-weekend: request time 2027-03-21T11:00:00Z is not within the freeze calendar's horizon (2026-01-01T00:00:00.000Z to 2027-01-01T00:00:00.000Z); run dfw freeze expand with a later horizon and rebuild the bundle"}
}

test_cannot_verify_without_request_time if {
	denies := freeze.deny with input as {"request": {"application": "storefront", "environment": "production"}}
		with data.firewall.config.freeze_windows as _calendar
	_messages(denies) == {"cannot verify deploy freezes holidays, storefront-weekend: request time <unknown time> is not within the freeze calendar's horizon (2026-01-01T00:00:00.000Z to 2027-01-01T00:00:00.000Z); run dfw freeze expand with a later horizon and rebuild the bundle"}
}

test_allow_without_a_calendar if {
	denies := freeze.deny with input as _input("storefront", "production", "2026-03-21T11:00:00Z")
		with data.firewall.config.freeze_windows as null
	count(denies) == 0
}

# An environment the bundle does not list is enforced as unknown_environment (production), so
# production's freezes cover it: a case variant and a typo get no way around the freeze.
test_deny_unlisted_environment_inside_a_production_freeze if {
	every environment in ["Production", "prodution"] {
		denies := _deny("storefront", environment, "2026-03-21T11:00:00Z")
		_messages(denies) == {sprintf("deployment of storefront to %s is inside deploy freeze storefront-weekend (Storefront weekend freeze) until 2026-03-23 06:00 Europe/Berlin (+01:00): no weekend deployments", [environment])}
	}
}

test_deny_unlisted_environment_cannot_verify_outside_the_horizon if {
	denies := _deny("storefront", "Production", "2027-03-21T11:00:00Z")
	some v in denies
	startswith(v.message, "cannot verify deploy freezes holidays, storefront-weekend:")
}

test_deny_unlisted_environment_as_the_configured_unknown_environment if {
	denies := freeze.deny with input as _input("storefront", "qa", "2026-03-21T11:00:00Z")
		with data.firewall.config.freeze_windows as _calendar
		with data.firewall.config.unknown_environment as "production"
	count(denies) == 1
	count(freeze.deny) == 0 with input as _input("storefront", "qa", "2026-03-21T11:00:00Z")
		with data.firewall.config.freeze_windows as _calendar
		with data.firewall.config.unknown_environment as "staging"
}

# A freeze may name an environment the bundle's enforcement does not list; it still covers
# a deployment to that name, beside the freezes of the environment it is enforced as.
test_deny_freeze_naming_an_unlisted_environment if {
	calendar := json.patch(_calendar, [{"op": "replace", "path": "/freezes/storefront-weekend/environments", "value": ["canary"]}])
	denies := freeze.deny with input as _input("storefront", "canary", "2026-03-21T11:00:00Z")
		with data.firewall.config.freeze_windows as calendar
	count(denies) == 1
	count(freeze.deny) == 0 with input as _input("storefront", "production", "2026-03-21T11:00:00Z")
		with data.firewall.config.freeze_windows as calendar
}

test_allow_unlisted_environment_outside_every_freeze if {
	count(_deny("storefront", "Production", "2026-03-27T22:59:59Z")) == 0
}
