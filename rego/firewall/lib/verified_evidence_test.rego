package firewall.lib.verified_evidence_test

import data.firewall
import data.firewall.lib.verified_evidence as verified
import data.firewall.rules.supply_chain.fixtures_test as f

critical := {
	"id": "CVE-2026-1111", "severity": "critical", "package": "openssl",
	"installed_version": "3.0.1", "fixed_version": "3.0.9",
}

# A vulnerability attestation the release key signed over the deployed digest, as the host
# records it (src/collect/trust/predicate-evidence.ts).
signed_scan(findings) := object.union(f.signature, {
	"format": "dsse",
	"location": sprintf("registry.example.com/payments/api:sha256-4f1c.att layer %d", [count(findings)]),
	"predicate_type": "https://cosign.sigstore.dev/attestation/vuln/v1",
	"evidence": {
		"vulnerabilities": {"tool": "Trivy", "findings": findings},
		"container_scan": {"tool": "Trivy", "findings": []},
	},
})

clean_report := {"tool": "Trivy", "findings": []}

checked(attestations, report) := f.request("production", {
	"vulnerabilities": report,
	"signatures": [f.signature],
	"attestations": array.concat([f.provenance_attestation], attestations),
})

_vuln_001 := [v | some v in firewall.deny.critical; v.rule == "DFW-VULN-001"]

_requiring_vulnerabilities := ["provenance", "vulnerabilities"]

test_deny_signed_criticals_beside_clean_unsigned_report_where_verified_is_required if {
	[v] := _vuln_001 with input as checked([signed_scan([critical])], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	startswith(v.message, "CVE-2026-1111 (critical) in openssl 3.0.1")
}

test_unsigned_report_is_judged_as_before_where_verified_is_not_required if {
	count(_vuln_001) == 0 with input as checked([signed_scan([critical])], clean_report)
}

test_allow_clean_signed_scan_where_verified_is_required if {
	count(_vuln_001) == 0 with input as checked([signed_scan([])], {"tool": "Trivy", "findings": [critical]})
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
}

test_cannot_verify_unsigned_report_where_verified_is_required if {
	[v] := _vuln_001 with input as checked([], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	startswith(v.message, "cannot verify the vulnerabilities of registry.example.com/payments/api:1.5.0")
	contains(v.message, "production requires it signed, and no attestation of it (https://cosign.sigstore.dev/attestation/vuln/v1)")
	some s in firewall.deny.high with input as checked([], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	s.rule == "DFW-SIGN-002"
}

test_scan_signed_by_an_untrusted_key_is_not_judged if {
	untrusted := object.union(signed_scan([]), {"signer": {"key": "sha256:feed"}})
	[v] := _vuln_001 with input as checked([untrusted], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	startswith(v.message, "cannot verify the vulnerabilities")
}

test_scan_over_another_digest_is_not_judged if {
	copied := object.union(signed_scan([]), {"digest": f.other_digest})
	[v] := _vuln_001 with input as checked([copied], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	startswith(v.message, "cannot verify the vulnerabilities")
}

test_several_signed_scans_are_judged_together if {
	[v] := _vuln_001 with input as checked([signed_scan([]), signed_scan([critical])], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	startswith(v.message, "CVE-2026-1111 (critical)")
}

test_a_kind_not_required_keeps_its_collected_value if {
	secret := {"id": "aws-access-key-id", "severity": "critical", "title": "AWS access key", "type": "secret"}
	inp := object.union(checked([signed_scan([])], clean_report), {"evidence": {"container_scan": {"tool": "Trivy", "findings": [secret]}}})
	some v in firewall.deny.critical with input as inp
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
	v.rule == "DFW-CONTAINER-001"
}

test_a_required_kind_the_scan_also_carries_is_judged_from_it if {
	secret := {"id": "aws-access-key-id", "severity": "critical", "title": "AWS access key", "type": "secret"}
	inp := object.union(checked([signed_scan([])], clean_report), {"evidence": {"container_scan": {"tool": "Trivy", "findings": [secret]}}})
	critical_rules := {v.rule | some v in firewall.deny.critical} with input as inp
		with data.firewall.config.trust.environments.production.verified_evidence as ["provenance", "vulnerabilities", "container_scan"]
		with data.firewall.config.trust.evidence_predicates.container_scan as ["https://cosign.sigstore.dev/attestation/vuln/v1"]
	not "DFW-CONTAINER-001" in critical_rules
	not "DFW-VULN-001" in critical_rules
}

test_only_provenance_required_leaves_the_input_as_collected if {
	not verified.applies with input as checked([signed_scan([critical])], clean_report)
	verified.applies with input as checked([signed_scan([critical])], clean_report)
		with data.firewall.config.trust.environments.production.verified_evidence as _requiring_vulnerabilities
}
