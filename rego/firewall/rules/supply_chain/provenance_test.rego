package firewall.rules.supply_chain.provenance_test

import data.firewall.rules.supply_chain.fixtures_test as f
import data.firewall.rules.supply_chain.provenance

with_provenance(changes) := f.request("production", {"signatures": [f.signature], "attestations": [json.patch(f.provenance_attestation, changes)]})

test_allow_verified_provenance_from_allowed_builder if {
	count(provenance.deny) == 0 with input as f.signed
}

test_allow_slsa_v02_provenance if {
	count(provenance.deny) == 0 with input as with_provenance([
		{"op": "replace", "path": "/predicate_type", "value": "https://slsa.dev/provenance/v0.2"},
		{"op": "replace", "path": "/provenance/predicate_type", "value": "https://slsa.dev/provenance/v0.2"},
	])
}

test_deny_wrong_builder if {
	some v in provenance.deny with input as with_provenance([{"op": "replace", "path": "/provenance/builder_id", "value": "https://ci.example.com/self-hosted"}])
	v.rule == "DFW-PROV-001"
	contains(v.message, "builder https://ci.example.com/self-hosted is not an allowed builder")
}

test_deny_other_repository if {
	some v in provenance.deny with input as with_provenance([{"op": "replace", "path": "/provenance/source/repository", "value": "github.com/evil/payments"}])
	contains(v.message, "built from github.com/evil/payments, not the requested github.com/acme/payments")
}

test_deny_other_commit if {
	some v in provenance.deny with input as with_provenance([{"op": "replace", "path": "/provenance/source/commit", "value": "1111111111111111111111111111111111111111"}])
	contains(v.message, "built from commit 1111111111111111111111111111111111111111, not the requested")
}

test_deny_build_level_below_minimum if {
	low := json.patch(f.signed, [{"op": "add", "path": "/request/environment", "value": "production"}])
	some v in provenance.deny with input as low
		with data.firewall.config.trust.builders as [{"id": "https://github.com/slsa-framework/", "level": 1}]
	contains(v.message, "is SLSA build level 1, below the 3 required in production")
}

test_cannot_verify_unsigned_provenance if {
	unsigned := object.union(f.provenance_attestation, {"verified": false, "reason": "the envelope carries no signature"})
	doc := f.request("production", {"signatures": [f.signature], "attestations": [json.remove(unsigned, ["provenance"])]})
	some v in provenance.deny with input as doc
	startswith(v.message, "cannot verify the SLSA provenance")
	contains(v.message, "not verified: the envelope carries no signature")
}

test_cannot_verify_provenance_resigned_by_untrusted_key if {
	resigned := json.patch(f.provenance_attestation, [{"op": "replace", "path": "/signer", "value": {"key": "sha256:feed"}}])
	some v in provenance.deny with input as f.request("production", {"signatures": [f.signature], "attestations": [resigned]})
	startswith(v.message, "cannot verify the SLSA provenance")
	contains(v.message, "signed by key sha256:feed")
}

test_cannot_verify_pushed_unverified_provenance if {
	pushed := {"provenance": {"builder_id": f.builder, "verified": false, "unverified_reason": "a bare in-toto statement carries no signature"}, "attestations": []}
	some v in provenance.deny with input as f.request("production", pushed)
	contains(v.message, "pushed provenance: a bare in-toto statement carries no signature")
}

test_cannot_verify_without_evidence if {
	some v in provenance.deny with input as f.request("production", {})
	startswith(v.message, "cannot verify the SLSA provenance of registry.example.com/payments/api:1.5.0")
}
