# METADATA
# description: DFW-SCAN-001 — code scanning covered the deployed commit and found nothing at or above high.
package firewall.rules.scanning.code_scanning

import data.firewall.lib

# METADATA
# title: Code scanning ran on the deployed commit with no high findings
# description: >-
#   A static analysis tool (CodeQL or similar) scanned exactly the commit being deployed,
#   and none of its findings is of high or critical severity. A scan of another commit says
#   nothing about the code that would run.
#   Controls: CIS-SSCS 1.5.4 (scanners are in place for code vulnerabilities) and 1.1.18
#   (any merging of code is automatically scanned for risks), NIST SP 800-53 SA-11
#   (developer testing: static code analysis) and RA-5, SOC 2 CC7.1.
# custom:
#   id: DFW-SCAN-001
#   severity: high
#   category: scanning
#   remediation: >-
#     Run code scanning on the commit being deployed (for example on push to the deployed
#     branch) and fix or dismiss, with a recorded reason, every critical and high finding
#     before deploying.
#   controls:
#     - CIS-SSCS:1.5.4
#     - CIS-SSCS:1.1.18
#     - NIST-800-53:SA-11
#     - NIST-800-53:RA-5
#     - SOC2:CC7.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_scan := input.evidence.code_scanning

_deployed_commit := lib.field("source", "commit", "<unknown commit>")

_tool := _text(_scan, "tool", "<unknown tool>")

_scanned_commit := _text(_scan, "commit", "<unknown commit>")

_findings contains lib.cannot_verify("code_scanning", sprintf("code scanning of commit %s", [_deployed_commit])) if {
	lib.missing("code_scanning")
}

_findings contains lib.finding(
	sprintf("%s scanned commit %s, not the deployed commit %s", [_tool, _scanned_commit, _deployed_commit]),
	sprintf("code_scanning.commit = %s; source.commit = %s", [_scanned_commit, _deployed_commit]),
) if {
	not lib.missing("code_scanning")
	not _scanned_deployed_commit
}

# Without a findings list the scan's result is unknown, which is not the same as clean.
_findings contains lib.finding(
	sprintf("%s scan of commit %s has no findings list", [_tool, _scanned_commit]),
	"code_scanning.findings is not an array",
) if {
	not lib.missing("code_scanning")
	not _has_findings_list
}

_findings contains lib.finding(
	sprintf("%s found %s (%s) at %s in commit %s", [_tool, rule, _severity_label(f), location, _scanned_commit]),
	sprintf("code_scanning.findings: %s at %s", [rule, location]),
) if {
	_has_findings_list
	some f in _scan.findings
	not _below_high(f)
	rule := _text(f, "rule", "<unknown rule>")
	location := _text(f, "location", "<unknown location>")
}

_scanned_deployed_commit if {
	is_string(_scan.commit)
	_scan.commit != ""
	_scan.commit == input.source.commit
}

_has_findings_list if is_array(_scan.findings)

# Only a readable severity below high lets a finding pass; a missing or unrecognised
# severity denies.
_below_high(f) if {
	is_string(f.severity)
	lib.severity_rank[lower(f.severity)] < lib.severity_rank.high
}

_severity_label(f) := severity if {
	is_string(f.severity)
	severity := lower(f.severity)
	lib.severity_rank[severity]
} else := sprintf("unrecognised severity \"%s\"", [f.severity]) if {
	is_string(f.severity)
} else := "no severity"

# _text reads obj[key] as a non-empty string, or the default, so that messages still name
# something when the evidence is sparse or malformed.
_text(obj, key, default_value) := value if {
	value := obj[key]
	is_string(value)
	value != ""
} else := default_value
