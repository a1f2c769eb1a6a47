package firewall.rules.supply_chain.signature_test

import data.firewall.rules.supply_chain.fixtures_test as f
import data.firewall.rules.supply_chain.signature

test_allow_image_signed_by_trusted_key if {
	count(signature.deny) == 0 with input as f.signed
}

test_allow_keyless_attestation_from_trusted_release_workflow if {
	release := json.patch(f.provenance_attestation, [{"op": "replace", "path": "/signer/subject", "value": "https://github.com/acme/payments/.github/workflows/release.yml@refs/tags/v1.5.0"}])
	count(signature.deny) == 0 with input as f.request("production", {"signatures": [], "attestations": [release]})
}

test_deny_builder_identity_that_may_only_sign_provenance if {
	some v in signature.deny with input as f.request("production", {"signatures": [], "attestations": [f.provenance_attestation]})
	contains(v.message, "which the trust policy does not trust to sign the image")
}

test_deny_unsigned_image if {
	some v in signature.deny with input as f.request("production", {"signatures": [], "attestations": []})
	v.rule == "DFW-SIGN-001"
	v.severity == "critical"
	contains(v.message, "is not signed")
}

test_deny_unverified_signature_with_its_reason if {
	bad := object.union(f.signature, {"verified": false, "reason": "the signature does not verify with any of the 1 key(s) dfw holds"})
	some v in signature.deny with input as f.request("production", {"signatures": [bad], "attestations": []})
	contains(v.message, "not verified: the signature does not verify")
}

test_deny_signature_over_another_digest if {
	moved := object.union(f.signature, {"digest": f.other_digest})
	some v in signature.deny with input as f.request("production", {"signatures": [moved], "attestations": []})
	contains(v.message, sprintf("over %s, not the deployed", [f.other_digest]))
}

test_deny_key_not_trusted_for_image if {
	other := object.union(f.signature, {"signer": {"key": "sha256:0000"}})
	some v in signature.deny with input as f.request("production", {"signatures": [other], "attestations": []})
	contains(v.message, "signed by key sha256:0000, which the trust policy does not trust to sign the image for registry.example.com/payments/api in production")
}

test_deny_keyless_identity_not_trusted if {
	stranger := object.union(f.provenance_attestation, {"signer": {"issuer": "https://token.actions.githubusercontent.com", "subject": "https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main"}})
	some v in signature.deny with input as f.request("production", {"signatures": [], "attestations": [stranger]})
	contains(v.message, "https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main (issuer https://token.actions.githubusercontent.com)")
}

test_cannot_verify_when_signatures_were_not_collected if {
	some v in signature.deny with input as f.request("production", {})
	startswith(v.message, "cannot verify the signature of registry.example.com/payments/api:1.5.0: no evidence was provided")
}

test_cannot_verify_without_digest if {
	no_digest := json.remove(f.signed, ["artifact/digest"])
	some v in signature.deny with input as no_digest
	contains(v.message, "names no digest")
}
