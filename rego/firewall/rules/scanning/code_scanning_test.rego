package firewall.rules.scanning.code_scanning_test

import data.firewall.rules.scanning.code_scanning

_commit := "9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"

_source := {"repository": "github.com/acme/payments", "branch": "main", "commit": _commit}

_scan := {
	"tool": "CodeQL",
	"completed_at": "2026-11-28T13:41:07Z",
	"commit": _commit,
	"findings": [
		{"rule": "js/log-injection", "severity": "medium", "location": "src/audit.ts:17"},
		{"rule": "js/missing-rate-limiting", "severity": "low", "location": "src/server.ts:88"},
	],
}

_input(scan) := {"source": _source, "evidence": {"code_scanning": scan}}

_with_findings(findings) := object.union(_scan, {"findings": findings})

_messages(denies) := {v.message | some v in denies}

test_allow_scan_of_deployed_commit_with_only_medium_and_low_findings if {
	count(code_scanning.deny) == 0 with input as _input(_scan)
}

test_allow_clean_scan if {
	count(code_scanning.deny) == 0 with input as _input(_with_findings([]))
}

test_deny_when_scan_is_of_another_commit if {
	scan := object.union(_scan, {"commit": "1d0e7c2a9b8f6e5d4c3b2a1f0e9d8c7b6a5f4e3d"})
	denies := code_scanning.deny with input as _input(scan)
	_messages(denies) == {"CodeQL scanned commit 1d0e7c2a9b8f6e5d4c3b2a1f0e9d8c7b6a5f4e3d, not the deployed commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"}
	some v in denies
	v.rule == "DFW-SCAN-001"
	v.severity == "high"
	v.category == "scanning"
	v.title == "Code scanning ran on the deployed commit with no high findings"
	v.evidence == "code_scanning.commit = 1d0e7c2a9b8f6e5d4c3b2a1f0e9d8c7b6a5f4e3d; source.commit = 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"
}

test_deny_when_scanned_commit_is_not_recorded if {
	denies := code_scanning.deny with input as _input(object.remove(_scan, ["commit", "tool"]))
	_messages(denies) == {"<unknown tool> scanned commit <unknown commit>, not the deployed commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"}
}

test_deny_when_deployed_commit_is_unknown if {
	denies := code_scanning.deny with input as {"evidence": {"code_scanning": _scan}}
	_messages(denies) == {"CodeQL scanned commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e, not the deployed commit <unknown commit>"}
}

test_deny_when_high_finding_reported if {
	findings := array.concat(_scan.findings, [{"rule": "js/sql-injection", "severity": "high", "location": "src/db.ts:42"}])
	denies := code_scanning.deny with input as _input(_with_findings(findings))
	_messages(denies) == {"CodeQL found js/sql-injection (high) at src/db.ts:42 in commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"}
	some v in denies
	v.evidence == "code_scanning.findings: js/sql-injection at src/db.ts:42"
}

test_deny_once_per_finding_at_or_above_high if {
	findings := [
		{"rule": "js/sql-injection", "severity": "HIGH", "location": "src/db.ts:42"},
		{"rule": "js/sql-injection", "severity": "high", "location": "src/report.ts:130"},
		{"rule": "js/code-injection", "severity": "Critical", "location": "src/template.ts:9"},
		{"rule": "js/log-injection", "severity": "medium", "location": "src/audit.ts:17"},
	]
	denies := code_scanning.deny with input as _input(_with_findings(findings))
	_messages(denies) == {
		"CodeQL found js/sql-injection (high) at src/db.ts:42 in commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e",
		"CodeQL found js/sql-injection (high) at src/report.ts:130 in commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e",
		"CodeQL found js/code-injection (critical) at src/template.ts:9 in commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e",
	}
}

test_deny_when_finding_severity_is_unrecognised if {
	findings := [{"rule": "js/xss", "severity": "error", "location": "src/render.ts:5"}]
	denies := code_scanning.deny with input as _input(_with_findings(findings))
	_messages(denies) == {"CodeQL found js/xss (unrecognised severity \"error\") at src/render.ts:5 in commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"}
}

test_deny_when_finding_is_malformed if {
	denies := code_scanning.deny with input as _input(_with_findings([{"severity": 3}]))
	_messages(denies) == {"CodeQL found <unknown rule> (no severity) at <unknown location> in commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e"}
}

test_deny_when_findings_list_is_missing if {
	denies := code_scanning.deny with input as _input(object.remove(_scan, ["findings"]))
	_messages(denies) == {"CodeQL scan of commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e has no findings list"}
}

test_deny_when_evidence_is_not_an_object if {
	denies := code_scanning.deny with input as _input("completed")
	_messages(denies) == {
		"<unknown tool> scanned commit <unknown commit>, not the deployed commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e",
		"<unknown tool> scan of commit <unknown commit> has no findings list",
	}
}

test_cannot_verify_when_evidence_missing if {
	denies := code_scanning.deny with input as {
		"source": _source,
		"evidence": {},
		"unavailable": {"code_scanning": "GitHub answered 403: Advanced Security must be enabled for this repository"},
	}
	_messages(denies) == {"cannot verify code scanning of commit 9f2c4e1b7a3d5c8e0f6a2b4d9c1e3f5a7b8c0d2e: GitHub answered 403: Advanced Security must be enabled for this repository"}
	some v in denies
	v.severity == "high"
	v.evidence == "evidence.code_scanning unavailable"
}

test_cannot_verify_without_reason if {
	denies := code_scanning.deny with input as {"evidence": {"code_scanning": null}}
	_messages(denies) == {"cannot verify code scanning of commit <unknown commit>: no evidence was provided"}
}
