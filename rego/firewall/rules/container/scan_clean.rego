# METADATA
# description: DFW-CONTAINER-001 — the container scan of the deployed image reports no critical issue.
package firewall.rules.container.scan_clean

import data.firewall.lib

# METADATA
# title: No critical security issues in the container scan (misconfigurations, secrets)
# description: >-
#   The container scan of the deployed image (image misconfigurations, secrets baked into
#   layers) reports no finding of critical severity. A finding whose severity is not one of
#   critical, high, medium or low is treated as possibly critical.
#   Controls: NIST SP 800-53 RA-5 (vulnerability monitoring and scanning), CM-6
#   (configuration settings) and IA-5 (no embedded static authenticators), SOC 2 CC7.1,
#   OWASP CICD-SEC-6 (insufficient credential hygiene: secrets in image layers).
# custom:
#   id: DFW-CONTAINER-001
#   severity: critical
#   category: container
#   remediation: >-
#     Fix each critical finding in the Dockerfile or the image build (remove the secret
#     and rotate it, drop root, remove the insecure setting), rebuild, rescan, and deploy
#     the new digest.
#   controls:
#     - NIST-800-53:RA-5
#     - NIST-800-53:CM-6
#     - NIST-800-53:IA-5
#     - SOC2:CC7.1
#     - OWASP-CICD:CICD-SEC-6
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_scan := input.evidence.container_scan

_findings contains lib.cannot_verify("container_scan", sprintf("the container scan of %s", [lib.artifact_ref])) if {
	lib.missing("container_scan")
}

_findings contains lib.finding(
	sprintf("cannot verify the container scan of %s: the scan has no list of findings", [lib.artifact_ref]),
	"container_scan.findings is not an array",
) if {
	not lib.missing("container_scan")
	not _lists_findings
}

_findings contains lib.finding(
	sprintf("%s of %s reports critical %s: %s", [_scan_name, lib.artifact_ref, _text(issue, "id", "<unknown id>"), _text(issue, "title", "<untitled>")]),
	sprintf("container_scan.findings[%s].severity = critical", [_text(issue, "id", "<unknown id>")]),
) if {
	some issue in _issues
	_severity(issue) == "critical"
}

_findings contains lib.finding(
	sprintf("%s of %s reports %s with severity %s, which dfw does not recognise; it may be critical: %s", [
		_scan_name,
		lib.artifact_ref,
		_text(issue, "id", "<unknown id>"),
		_text(issue, "severity", "<none>"),
		_text(issue, "title", "<untitled>"),
	]),
	sprintf("container_scan.findings[%s].severity is not critical, high, medium or low", [_text(issue, "id", "<unknown id>")]),
) if {
	some issue in _issues
	not _known_severity(issue)
}

_lists_findings if is_array(_scan.findings)

_issues := issues if {
	issues := _scan.findings
	is_array(issues)
} else := []

_scan_name := sprintf("container scan (%s)", [tool]) if {
	tool := _scan.tool
	is_string(tool)
} else := "container scan"

_severity(issue) := lower(issue.severity) if is_string(issue.severity)

_known_severity(issue) if lib.severity_rank[_severity(issue)]

_text(item, key, default_value) := value if {
	value := item[key]
	is_string(value)
} else := default_value
