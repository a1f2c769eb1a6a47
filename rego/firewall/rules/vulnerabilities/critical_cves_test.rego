package firewall.rules.vulnerabilities.critical_cves_test

import data.firewall.rules.vulnerabilities.critical_cves

_artifact := {
	"image": "registry.example.com/payments/api:1.4.2",
	"digest": "sha256:3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
	"registry": "registry.example.com",
	"repository": "payments/api",
	"tag": "1.4.2",
}

_ref := "registry.example.com/payments/api:1.4.2 (sha256:3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c)"

_high_cve := {
	"id": "CVE-2023-5678",
	"severity": "high",
	"package": "libcurl",
	"installed_version": "7.88.1-10",
	"fixed_version": "7.88.1-10+deb12u5",
}

_critical_cve := {
	"id": "CVE-2024-1234",
	"severity": "critical",
	"package": "openssl",
	"installed_version": "3.0.1",
	"fixed_version": "3.0.2",
}

_scan(findings) := {"tool": "Trivy", "scanned_at": "2026-11-28T13:55:12Z", "findings": findings}

_input(scan) := {"artifact": _artifact, "evidence": {"vulnerabilities": scan}}

_messages(denies) := {v.message | some v in denies}

test_allow_artifact_with_only_high_and_lower_cves if {
	medium := {"id": "CVE-2022-4899", "severity": "MEDIUM", "package": "zstd", "installed_version": "1.5.4", "fixed_version": ""}
	count(critical_cves.deny) == 0 with input as _input(_scan([_high_cve, medium]))
}

test_allow_clean_scan if {
	count(critical_cves.deny) == 0 with input as _input(_scan([]))
}

test_deny_when_critical_cve_has_a_fix if {
	denies := critical_cves.deny with input as _input(_scan([_high_cve, _critical_cve]))
	_messages(denies) == {sprintf("CVE-2024-1234 (critical) in openssl 3.0.1 of %s: fixed in 3.0.2", [_ref])}
	some v in denies
	v.rule == "DFW-VULN-001"
	v.severity == "critical"
	v.category == "vulnerabilities"
	v.title == "No critical CVEs in the artifact"
	v.evidence == "vulnerabilities.findings: CVE-2024-1234 critical in openssl 3.0.1 (Trivy)"
}

test_deny_when_critical_cve_has_no_fix if {
	unfixed := {"id": "CVE-2024-6387", "severity": "Critical", "package": "openssh-server", "installed_version": "1:9.2p1-2"}
	denies := critical_cves.deny with input as _input(_scan([unfixed]))
	_messages(denies) == {sprintf("CVE-2024-6387 (critical) in openssh-server 1:9.2p1-2 of %s: no fix available", [_ref])}
}

test_deny_once_per_cve_and_package if {
	findings := [
		_critical_cve,
		_critical_cve,
		object.union(_critical_cve, {"package": "libssl3"}),
		{"id": "CVE-2024-1234", "severity": "CRITICAL", "package": "openssl", "installed_version": "3.0.1", "fixed_version": ""},
		{"id": "CVE-2021-44228", "severity": "critical", "package": "org.apache.logging.log4j:log4j-core", "installed_version": "2.14.1", "fixed_version": "2.15.0"},
		{"id": "CVE-2021-44228", "severity": "critical", "package": "org.apache.logging.log4j:log4j-core", "installed_version": "2.13.0", "fixed_version": "2.15.0"},
	]
	denies := critical_cves.deny with input as _input(_scan(findings))
	_messages(denies) == {
		sprintf("CVE-2024-1234 (critical) in openssl 3.0.1 of %s: fixed in 3.0.2", [_ref]),
		sprintf("CVE-2024-1234 (critical) in libssl3 3.0.1 of %s: fixed in 3.0.2", [_ref]),
		sprintf("CVE-2021-44228 (critical) in org.apache.logging.log4j:log4j-core 2.13.0, 2.14.1 of %s: fixed in 2.15.0", [_ref]),
	}
}

test_deny_when_severity_is_unrecognised if {
	unknown := object.union(_critical_cve, {"severity": "UNKNOWN"})
	denies := critical_cves.deny with input as _input(_scan([unknown]))
	_messages(denies) == {sprintf("CVE-2024-1234 (unrecognised severity \"UNKNOWN\") in openssl 3.0.1 of %s: fixed in 3.0.2", [_ref])}
}

test_deny_when_finding_is_malformed if {
	denies := critical_cves.deny with input as _input(_scan([{"severity": null, "fixed_version": 2}]))
	_messages(denies) == {sprintf("<unknown vulnerability> (no severity) in <unknown package> <unknown version> of %s: no fix available", [_ref])}
}

test_deny_when_findings_list_is_missing if {
	denies := critical_cves.deny with input as _input({"tool": "Trivy", "scanned_at": "2026-11-28T13:55:12Z"})
	_messages(denies) == {sprintf("Trivy vulnerability scan of %s has no findings list", [_ref])}
}

test_deny_when_evidence_is_not_an_object if {
	denies := critical_cves.deny with input as _input(["CVE-2024-1234"])
	_messages(denies) == {sprintf("<unknown tool> vulnerability scan of %s has no findings list", [_ref])}
}

test_cannot_verify_when_evidence_missing if {
	denies := critical_cves.deny with input as {
		"artifact": _artifact,
		"evidence": {},
		"unavailable": {"vulnerabilities": "no scan report for this digest in the evidence store"},
	}
	_messages(denies) == {sprintf("cannot verify the vulnerabilities of %s: no scan report for this digest in the evidence store", [_ref])}
	some v in denies
	v.severity == "critical"
	v.evidence == "evidence.vulnerabilities unavailable"
}

test_cannot_verify_without_reason if {
	denies := critical_cves.deny with input as {"evidence": {"vulnerabilities": null}}
	_messages(denies) == {"cannot verify the vulnerabilities of <unknown image> (<unknown digest>): no evidence was provided"}
}
