package firewall.rules.source.secret_push_protection_test

import data.firewall.rules.source.secret_push_protection

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": "9f2c4e1"}

_input(repository) := {"source": _source, "evidence": {"repository": repository}}

_messages(denies) := {v.message | some v in denies}

test_allow_push_protection_enabled if {
	repository := {"visibility": "private", "secret_scanning": "enabled", "secret_scanning_push_protection": "enabled"}
	count(secret_push_protection.deny) == 0 with input as _input(repository)
}

test_deny_push_protection_disabled if {
	repository := {"visibility": "private", "secret_scanning": "enabled", "secret_scanning_push_protection": "disabled"}
	denies := secret_push_protection.deny with input as _input(repository)
	_messages(denies) == {"secret scanning push protection of github.com/acme/payments is \"disabled\", not enabled"}
	some v in denies
	v.rule == "DFW-SOURCE-001"
	v.severity == "high"
}

test_deny_settings_github_did_not_report if {
	denies := secret_push_protection.deny with input as _input({"visibility": "private", "secret_scanning": 1})
	_messages(denies) == {
		"secret scanning of github.com/acme/payments is unknown, not enabled",
		"secret scanning push protection of github.com/acme/payments is unknown, not enabled",
	}
}

test_cannot_verify_without_repository_settings if {
	denies := secret_push_protection.deny with input as {"source": _source, "evidence": {}, "unavailable": {"repository": "GitHub answered 403: Resource not accessible by integration"}}
	_messages(denies) == {"cannot verify the secret scanning settings of github.com/acme/payments: GitHub answered 403: Resource not accessible by integration"}
}
