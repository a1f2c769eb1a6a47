package firewall.lib.supply_chain_test

import data.firewall.lib.supply_chain

# production is listed; "Production" is not, though the trust section names it with weaker
# settings: the name enforced as production must get production's.
_config := {
	"unknown_environment": "production",
	"environments": {"production": {"blocking": ["critical", "high"], "rules": {}}},
	"trust": {
		"signers": [{"name": "release-key", "key": "sha256:aa", "images": ["registry.example.com/"], "environments": ["production"]}],
		"environments": {
			"production": {"min_build_level": 3, "verified_evidence": ["provenance"]},
			"Production": {"min_build_level": 0, "verified_evidence": []},
		},
	},
}

_fact := {"verified": true, "digest": "sha256:d1", "signer": {"key": "sha256:aa"}}

_input(environment) := {
	"request": {"environment": environment},
	"artifact": {"registry": "registry.example.com", "repository": "payments/api", "digest": "sha256:d1"},
	"evidence": {"signatures": [_fact]},
}

test_an_unlisted_name_gets_the_trust_settings_of_the_environment_enforced if {
	p := supply_chain.environment_policy with input as _input("Production") with data.firewall.config as _config
	p.min_build_level == 3
}

test_a_listed_name_gets_its_own if {
	p := supply_chain.environment_policy with input as _input("production") with data.firewall.config as _config
	p.min_build_level == 3
}

test_a_signer_limited_to_production_signs_for_a_name_enforced_as_production if {
	supply_chain.trusted(_fact, "image") with input as _input("Production") with data.firewall.config as _config
	supply_chain.trusted(_fact, "image") with input as _input("production") with data.firewall.config as _config
}

test_a_signer_limited_to_production_does_not_sign_for_staging if {
	config := object.union(_config, {"environments": {"staging": {"blocking": ["critical"], "rules": {}}}})
	not supply_chain.trusted(_fact, "image") with input as _input("staging") with data.firewall.config as config
}
