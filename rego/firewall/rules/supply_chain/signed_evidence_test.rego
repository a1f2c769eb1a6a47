package firewall.rules.supply_chain.signed_evidence_test

import data.firewall.rules.supply_chain.fixtures_test as f
import data.firewall.rules.supply_chain.signed_evidence

vuln_attestation := object.union(f.signature, {
	"format": "dsse",
	"predicate_type": "https://cosign.sigstore.dev/attestation/vuln/v1",
	"predicate": {"scanner": {"uri": "pkg:github/aquasecurity/trivy"}},
	"evidence": {"vulnerabilities": {"tool": "Trivy", "findings": []}},
})

scanned(attestations) := f.request("production", {
	"vulnerabilities": {"tool": "Trivy", "findings": []},
	"signatures": [f.signature],
	"attestations": attestations,
})

test_allow_when_nothing_is_required if {
	count(signed_evidence.deny) == 0 with input as scanned([])
		with data.firewall.config.trust.environments.production.verified_evidence as []
}

test_allow_signed_provenance_as_production_requires if {
	count(signed_evidence.deny) == 0 with input as f.signed
}

test_allow_signed_vulnerability_report_where_required if {
	count(signed_evidence.deny) == 0 with input as scanned([vuln_attestation])
		with data.firewall.config.trust.environments.production.verified_evidence as ["vulnerabilities"]
}

test_cannot_verify_unsigned_trivy_report_where_required if {
	some v in signed_evidence.deny with input as scanned([])
		with data.firewall.config.trust.environments.production.verified_evidence as ["vulnerabilities"]
	v.rule == "DFW-SIGN-002"
	startswith(v.message, "cannot verify vulnerabilities for registry.example.com/payments/api:1.5.0: production requires it signed")
}

test_cannot_verify_report_signed_by_untrusted_key if {
	untrusted := object.union(vuln_attestation, {"signer": {"key": "sha256:feed"}})
	some v in signed_evidence.deny with input as scanned([untrusted])
		with data.firewall.config.trust.environments.production.verified_evidence as ["vulnerabilities"]
	contains(v.message, "signed by an identity trusted to sign evidence")
}

test_cannot_verify_when_attestations_were_not_collected if {
	some v in signed_evidence.deny with input as f.request("production", {})
		with data.firewall.config.trust.environments.production.verified_evidence as ["sbom"]
	contains(v.message, "signatures were not read")
}

test_cannot_verify_signed_report_dfw_could_not_read if {
	unread := object.union(object.remove(vuln_attestation, ["evidence"]), {"evidence_reason": "the scanner result is neither a Trivy nor a Grype JSON report"})
	some v in signed_evidence.deny with input as scanned([unread])
		with data.firewall.config.trust.environments.production.verified_evidence as ["vulnerabilities"]
	contains(v.message, "the signed attestation of it could not be read: registry.example.com/payments/api:sha256-4f1c.sig layer 0: the scanner result is neither a Trivy nor a Grype JSON report")
}
