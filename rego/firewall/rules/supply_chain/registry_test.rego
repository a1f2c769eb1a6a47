package firewall.rules.supply_chain.registry_test

import data.firewall.rules.supply_chain.fixtures_test as f
import data.firewall.rules.supply_chain.registry

test_allow_allowed_registry_pinned_by_digest if {
	count(registry.deny) == 0 with input as f.signed
}

test_deny_registry_not_allowed if {
	elsewhere := json.patch(f.signed, [{"op": "replace", "path": "/artifact/repository", "value": "sandbox/api"}])
	some v in registry.deny with input as elsewhere
	v.rule == "DFW-REGISTRY-001"
	contains(v.message, "comes from registry.example.com/sandbox/api, which is not an allowed registry")
}

test_deny_not_pinned_by_digest if {
	some v in registry.deny with input as json.remove(f.signed, ["artifact/digest"])
	contains(v.message, "is not pinned by digest")
}

test_deny_when_artifact_is_missing if {
	some v in registry.deny with input as json.remove(f.signed, ["artifact"])
	contains(v.message, "not an allowed registry")
}
