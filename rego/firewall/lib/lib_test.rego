package firewall.lib_test

import data.firewall.lib

_environments := {
	"production": {"blocking": ["critical", "high"], "rules": {}},
	"staging": {"blocking": ["critical"], "rules": {}},
}

_request(environment) := {"request": {"environment": environment}}

test_enforced_environment_is_a_listed_name if {
	every environment in ["production", "staging"] {
		lib.enforced_environment == environment with input as _request(environment)
			with data.firewall.config.environments as _environments
			with data.firewall.config.unknown_environment as "production"
	}
}

test_enforced_environment_of_an_unlisted_name_is_unknown_environment if {
	every environment in ["Production", "prodution", "qa", ""] {
		lib.enforced_environment == "production" with input as _request(environment)
			with data.firewall.config.environments as _environments
			with data.firewall.config.unknown_environment as "production"
		lib.environment == environment with input as _request(environment)
	}
	lib.enforced_environment == "staging" with input as _request("qa")
		with data.firewall.config.environments as _environments
		with data.firewall.config.unknown_environment as "staging"
}

test_enforced_environment_without_a_request_environment if {
	lib.enforced_environment == "production" with input as {"request": {}}
		with data.firewall.config.environments as _environments
		with data.firewall.config.unknown_environment as "production"
}

# Bundle data without unknown_environment: production, as dfw's catalog assumes (fail closed).
test_enforced_environment_without_unknown_environment_is_production if {
	lib.enforced_environment == "production" with input as _request("prodution")
		with data.firewall.config as {"environments": _environments}
}

test_enforced_environment_of_the_shipped_bundle_data if {
	lib.enforced_environment == "development" with input as _request("development")
	lib.enforced_environment == "production" with input as _request("Development")
}
