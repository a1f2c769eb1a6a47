package firewall.rules.vulnerabilities.fix_sla_test

import data.firewall.rules.vulnerabilities.fix_sla

_artifact := {"image": "registry.example.com/payments/api:1.5.0", "digest": "sha256:4f1c"}

# 2026-11-28T14:00:00Z
_now := 1795874400000000000

_finding := {
	"id": "CVE-2026-1111",
	"severity": "high",
	"package": "openssl",
	"installed_version": "3.0.1",
	"fixed_version": "3.0.2",
	"published_at": "2026-11-01T00:00:00Z",
}

_input(findings) := {
	"request": {"time_ns": _now},
	"artifact": _artifact,
	"evidence": {"vulnerabilities": {"tool": "Trivy", "findings": findings}},
}

_sla := {"critical": 7, "high": 30}

_messages(denies) := {v.message | some v in denies}

test_allow_high_finding_inside_its_sla if {
	count(fix_sla.deny) == 0 with input as _input([_finding]) with data.firewall.config.vulnerabilities.sla_days as _sla
}

test_allow_old_finding_without_fix if {
	finding := object.union(_finding, {"published_at": "2020-01-01T00:00:00Z", "fixed_version": ""})
	count(fix_sla.deny) == 0 with input as _input([finding]) with data.firewall.config.vulnerabilities.sla_days as _sla
}

test_allow_severity_without_sla if {
	finding := object.union(_finding, {"severity": "medium", "published_at": "2020-01-01T00:00:00Z"})
	count(fix_sla.deny) == 0 with input as _input([finding]) with data.firewall.config.vulnerabilities.sla_days as _sla
}

test_deny_high_finding_past_its_sla if {
	finding := object.union(_finding, {"published_at": "2026-10-01T00:00:00Z"})
	denies := fix_sla.deny with input as _input([finding]) with data.firewall.config.vulnerabilities.sla_days as _sla
	_messages(denies) == {"CVE-2026-1111 (high) in openssl 3.0.1 of registry.example.com/payments/api:1.5.0 (sha256:4f1c) was published 2026-10-01T00:00:00Z and is fixed in 3.0.2; the SLA for high is 30 days"}
	some v in denies
	v.rule == "DFW-VULN-002"
	v.severity == "high"
}

test_deny_critical_finding_past_its_shorter_sla if {
	finding := object.union(_finding, {"severity": "CRITICAL", "published_at": "2026-11-20T00:00:00Z"})
	count(fix_sla.deny) == 1 with input as _input([finding]) with data.firewall.config.vulnerabilities.sla_days as _sla
}

test_deny_fixable_finding_without_publication_date if {
	finding := object.remove(_finding, ["published_at"])
	denies := fix_sla.deny with input as _input([finding]) with data.firewall.config.vulnerabilities.sla_days as _sla
	_messages(denies) == {"CVE-2026-1111 (high) in openssl 3.0.1 of registry.example.com/payments/api:1.5.0 (sha256:4f1c) is fixed in 3.0.2, but the scan gives no publication date, so its SLA of 30 days cannot be checked"}
}

test_deny_without_findings_list if {
	count(fix_sla.deny) == 1 with input as {"evidence": {"vulnerabilities": {"tool": "Trivy"}}}
}

test_cannot_verify_without_scan if {
	denies := fix_sla.deny with input as {"artifact": _artifact, "evidence": {}, "unavailable": {"vulnerabilities": "no scan for this digest"}}
	_messages(denies) == {"cannot verify how long the vulnerabilities of registry.example.com/payments/api:1.5.0 (sha256:4f1c) have had fixes: no scan for this digest"}
}
