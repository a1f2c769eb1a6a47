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
		with data.firewall.config.trust.builders as [{"id": "https://github.com/slsa-framework/", "level": 1, "identities": [f.provenance_attestation.signer]}]
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

# slsa-verifier's rule: the builder id is a claim inside the signed predicate, so it counts
# only when the identity that signed the provenance is one the builder entry names.
signed_by(signer, builder_id) := f.request("production", {"signatures": [f.signature], "attestations": [json.patch(f.provenance_attestation, [
	{"op": "replace", "path": "/signer", "value": signer},
	{"op": "replace", "path": "/provenance/builder_id", "value": builder_id},
])]})

test_deny_plain_key_claiming_slsa_github_generator if {
	some v in provenance.deny with input as signed_by({"key": f.build_key}, f.builder)
	v.rule == "DFW-PROV-001"
	contains(v.message, sprintf("builder %s may be claimed only by a subject matching ^https://github", [f.builder]))
	contains(v.message, "generator_container_slsa3\\.yml@refs/tags/v[0-9.]+$ (issuer https://token.actions.githubusercontent.com), not by")
	contains(v.message, sprintf("not by key %s, which signed this provenance: no build level is credited", [f.build_key]))
}

test_deny_ci_key_claiming_slsa_github_generator if {
	some v in provenance.deny with input as signed_by({"key": f.ci_key}, f.builder)
	contains(v.message, sprintf("not by key %s, which signed this provenance", [f.ci_key]))
}

test_deny_other_generator_workflow_claiming_the_builder if {
	# The container-based builder's identity is trusted for provenance, but it did not run
	# generator_container_slsa3.yml.
	other := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/tags/v2.1.0"
	some v in provenance.deny with input as signed_by({"issuer": "https://token.actions.githubusercontent.com", "subject": other}, f.builder)
	contains(v.message, sprintf("not by %s (issuer https://token.actions.githubusercontent.com), which signed this provenance", [other]))
}

test_deny_generator_claiming_another_release_of_itself if {
	# Its subject pattern admits every release tag; the claimed id must still be its own.
	old := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.2.0"
	some v in provenance.deny with input as signed_by({"issuer": "https://token.actions.githubusercontent.com", "subject": old}, f.builder)
	contains(v.message, sprintf("builder %s names refs/tags/v2.1.0, but the workflow that signed this provenance ran at refs/tags/v1.2.0: a builder vouches only for its own ref", [f.builder]))
}

test_allow_generator_claiming_its_own_release if {
	count(provenance.deny) == 0 with input as signed_by({"issuer": "https://token.actions.githubusercontent.com", "subject": f.builder}, f.builder)
}

test_deny_generator_claiming_its_release_with_more_after_the_ref if {
	old := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.2.0"
	claimed := concat("", [f.builder, "@x"])
	some v in provenance.deny with input as signed_by({"issuer": "https://token.actions.githubusercontent.com", "subject": old}, claimed)
	contains(v.message, "names refs/tags/v2.1.0@x, but the workflow that signed this provenance ran at refs/tags/v1.2.0")
}

test_deny_generator_claiming_its_workflow_without_a_ref if {
	# An entry whose id prefix is shorter than a workflow lets a bare workflow id match it.
	bare := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml"
	some v in provenance.deny with input as signed_by({"issuer": "https://token.actions.githubusercontent.com", "subject": f.builder}, bare)
		with data.firewall.config.trust.builders as [{"id": "https://github.com/slsa-framework/", "level": 3, "identities": [{"issuer": "https://token.actions.githubusercontent.com", "subject": "^https://github\\.com/slsa-framework/"}]}]
	contains(v.message, sprintf("builder %s names <no ref>, but the workflow that signed this provenance ran at refs/tags/v2.1.0", [bare]))
}

test_refs_of_other_shapes_are_not_compared if {
	# Both sides hold an "@", but the id is a build platform's URI and the subject an email:
	# not one workflow, so there is no ref to compare.
	id := "https://build.example.com/container-builder@v1.4"
	signer := {"issuer": "https://accounts.google.com", "subject": "builder@example.com"}
	count(provenance.deny) == 0 with input as signed_by(signer, id)
		with data.firewall.config.trust.builders as [{"id": "https://build.example.com/container-builder@v", "level": 3, "identities": [{"issuer": "https://accounts.google.com", "subject": "^builder@example\\.com$"}]}]
		with data.firewall.config.trust.signers as [{"name": "builder", "issuer": "https://accounts.google.com", "subject": "^builder@example\\.com$", "images": ["registry.example.com/"], "roles": ["provenance"]}]
}

test_allow_key_the_builder_entry_names if {
	count(provenance.deny) == 0 with input as signed_by({"key": f.build_key}, "https://build.example.com/container-builder@v1.4")
}

test_deny_builder_entry_without_identities if {
	some v in provenance.deny with input as f.signed
		with data.firewall.config.trust.builders as [{"id": "https://github.com/slsa-framework/", "level": 3}]
	contains(v.message, sprintf("builder %s matches trust.builders https://github.com/slsa-framework/, which names no identities that may claim it: no build level is credited", [f.builder]))
}

test_deny_level_of_the_entry_naming_the_signer if {
	# Two entries claim the same builder id: the signer gets the level of the one naming it.
	builders := [
		{"id": "https://github.com/slsa-framework/", "level": 3, "identities": [{"key": f.release_key}]},
		{"id": "https://github.com/slsa-framework/", "level": 1, "identities": [{"key": f.build_key}]},
	]
	some v in provenance.deny with input as signed_by({"key": f.build_key}, f.builder)
		with data.firewall.config.trust.builders as builders
	contains(v.message, "is SLSA build level 1, below the 3 required in production")
}

test_deny_ci_key_claiming_the_build_platform if {
	# Both keys are trusted for provenance; each may claim only its own builder.
	some v in provenance.deny with input as signed_by({"key": f.ci_key}, "https://build.example.com/container-builder@v1.4")
	contains(v.message, sprintf("may be claimed only by key %s, not by key %s, which signed this provenance", [f.build_key, f.ci_key]))
}

test_deny_builder_identity_of_no_known_form if {
	builders := [{"id": "https://github.com/slsa-framework/", "level": 3, "identities": [{"issuer": "https://token.actions.githubusercontent.com"}]}]
	some v in provenance.deny with input as f.signed
		with data.firewall.config.trust.builders as builders
	contains(v.message, "may be claimed only by {\"issuer\": \"https://token.actions.githubusercontent.com\"}, which names neither a key nor an issuer and subject, not by")
}
