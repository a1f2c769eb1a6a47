package firewall.rules.container.scan_clean_test

import data.firewall.rules.container.scan_clean

_digest := "sha256:4b1e8c0f3a9d2e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a29180f7e6d5c4b3a2918"

_artifact := {
	"image": "registry.example.com/payments/api:1.4.2",
	"digest": _digest,
	"registry": "registry.example.com",
	"repository": "payments/api",
	"tag": "1.4.2",
}

_ref := sprintf("registry.example.com/payments/api:1.4.2 (%s)", [_digest])

_root_user := {"id": "DS002", "severity": "high", "title": "Image user should not be 'root'"}

_no_healthcheck := {"id": "DS026", "severity": "low", "title": "No HEALTHCHECK defined"}

_aws_key := {"id": "aws-access-key-id", "severity": "critical", "title": "AWS Access Key ID"}

_private_key := {"id": "private-key", "severity": "CRITICAL", "title": "Asymmetric Private Key"}

_input(scan) := {"artifact": _artifact, "evidence": {"container_scan": scan}}

_messages(denies) := {v.message | some v in denies}

test_allow_scan_without_critical_findings if {
	scan := {"tool": "Trivy", "findings": [_root_user, _no_healthcheck]}
	count(scan_clean.deny) == 0 with input as _input(scan)
}

test_allow_clean_scan if {
	count(scan_clean.deny) == 0 with input as _input({"tool": "Trivy", "findings": []})
}

test_deny_when_scan_finds_critical_secret if {
	denies := scan_clean.deny with input as _input({"tool": "Trivy", "findings": [_root_user, _aws_key]})
	_messages(denies) == {sprintf("container scan (Trivy) of %s reports critical aws-access-key-id: AWS Access Key ID", [_ref])}
	some v in denies
	v.rule == "DFW-CONTAINER-001"
	v.severity == "critical"
	v.category == "container"
	v.title == "No critical security issues in the container scan (misconfigurations, secrets)"
	v.evidence == "container_scan.findings[aws-access-key-id].severity = critical"
}

test_deny_once_per_critical_finding if {
	denies := scan_clean.deny with input as _input({"tool": "Trivy", "findings": [_aws_key, _root_user, _private_key]})
	_messages(denies) == {
		sprintf("container scan (Trivy) of %s reports critical aws-access-key-id: AWS Access Key ID", [_ref]),
		sprintf("container scan (Trivy) of %s reports critical private-key: Asymmetric Private Key", [_ref]),
	}
}

test_deny_when_finding_severity_unrecognised if {
	unknown := {"id": "DS999", "severity": "UNKNOWN", "title": "Unclassified check"}
	denies := scan_clean.deny with input as _input({"tool": "Trivy", "findings": [unknown]})
	_messages(denies) == {sprintf("container scan (Trivy) of %s reports DS999 with severity UNKNOWN, which dfw does not recognise; it may be critical: Unclassified check", [_ref])}
}

test_deny_when_finding_is_malformed if {
	denies := scan_clean.deny with input as {"evidence": {"container_scan": {"findings": [{"severity": 9}, "DS002"]}}}
	_messages(denies) == {"container scan of <unknown image> (<unknown digest>) reports <unknown id> with severity <none>, which dfw does not recognise; it may be critical: <untitled>"}
	count(denies) == 1
}

test_deny_when_scan_has_no_findings_list if {
	denies := scan_clean.deny with input as _input({"tool": "Trivy"})
	_messages(denies) == {sprintf("cannot verify the container scan of %s: the scan has no list of findings", [_ref])}
}

test_cannot_verify_when_evidence_missing if {
	denies := scan_clean.deny with input as {
		"artifact": _artifact,
		"evidence": {},
		"unavailable": {"container_scan": "no Trivy report was pushed for this digest"},
	}
	_messages(denies) == {sprintf("cannot verify the container scan of %s: no Trivy report was pushed for this digest", [_ref])}
	some v in denies
	v.severity == "critical"
	v.evidence == "evidence.container_scan unavailable"
}

test_cannot_verify_without_reason if {
	denies := scan_clean.deny with input as {"evidence": {"container_scan": null}}
	_messages(denies) == {"cannot verify the container scan of <unknown image> (<unknown digest>): no evidence was provided"}
}
