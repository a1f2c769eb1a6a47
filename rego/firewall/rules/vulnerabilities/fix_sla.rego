# METADATA
# description: DFW-VULN-002 — a vulnerability with a fix is not left unfixed past its SLA.
package firewall.rules.vulnerabilities.fix_sla

import data.firewall.lib

# METADATA
# title: Fixable vulnerabilities are remediated within the SLA
# description: >-
#   No vulnerability in the deployed image has had a fixed version available for longer
#   than the remediation SLA of its severity (bundle data vulnerabilities.sla_days, by
#   default 30 days for high), counted from the date the scanner reports
#   the vulnerability was published up to the request time. A fixable finding of such a
#   severity whose publication date the scan does not give cannot be judged and denies.
#   Controls: NIST SP 800-53 SI-2 (flaw remediation, within organization-defined time
#   periods) and RA-5 (vulnerability monitoring and scanning), SOC 2 CC7.1, CIS-SSCS 3.2.2
#   (packages are automatically scanned for known vulnerabilities), OWASP CICD-SEC-3.
# custom:
#   id: DFW-VULN-002
#   severity: high
#   category: vulnerabilities
#   remediation: >-
#     Upgrade each package to its fixed version (or rebuild on a patched base image), rescan
#     and deploy the new digest; use a scanner that reports publication dates (Trivy's
#     PublishedDate). A time-limited waiver covers a fix that cannot ship in time.
#   controls:
#     - NIST-800-53:SI-2
#     - NIST-800-53:RA-5
#     - SOC2:CC7.1
#     - CIS-SSCS:3.2.2
#     - OWASP-CICD:CICD-SEC-3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_scan := input.evidence.vulnerabilities

_findings contains lib.cannot_verify("vulnerabilities", sprintf("how long the vulnerabilities of %s have had fixes", [lib.artifact_ref])) if {
	lib.missing("vulnerabilities")
}

_findings contains lib.finding(
	sprintf("the vulnerability scan of %s has no findings list", [lib.artifact_ref]),
	"vulnerabilities.findings is not an array",
) if {
	not lib.missing("vulnerabilities")
	not _lists_findings
}

_findings contains lib.finding(
	sprintf("%s (%s) in %s %s of %s was published %s and is fixed in %s; the SLA for %s is %s days", [
		lib.text(f, "id", "<unknown vulnerability>"), severity, lib.text(f, "package", "<unknown package>"),
		lib.text(f, "installed_version", "<unknown version>"), lib.artifact_ref, f.published_at, f.fixed_version,
		severity, lib.number_text(days),
	]),
	sprintf("vulnerabilities.findings: %s published_at = %s, fixed_version = %s", [lib.text(f, "id", "<unknown vulnerability>"), f.published_at, f.fixed_version]),
) if {
	some f in _fixable
	severity := lower(f.severity)
	days := _sla_days[severity]
	published := lib.parse_time(f.published_at)
	published + (days * _day_ns) < lib.request_ns
}

_findings contains lib.finding(
	sprintf("%s (%s) in %s %s of %s is fixed in %s, but the scan gives no publication date, so its SLA of %s days cannot be checked", [
		lib.text(f, "id", "<unknown vulnerability>"), severity, lib.text(f, "package", "<unknown package>"),
		lib.text(f, "installed_version", "<unknown version>"), lib.artifact_ref, f.fixed_version, lib.number_text(days),
	]),
	sprintf("vulnerabilities.findings: %s published_at is not an RFC 3339 time", [lib.text(f, "id", "<unknown vulnerability>")]),
) if {
	some f in _fixable
	severity := lower(f.severity)
	days := _sla_days[severity]
	not _dated(f)
}

_day_ns := 86400000000000

# Findings of a severity with an SLA and a fixed version named.
_fixable contains f if {
	some f in lib.list(_scan, "findings")
	is_string(f.severity)
	_sla_days[lower(f.severity)]
	is_string(f.fixed_version)
	f.fixed_version != ""
}

_sla_days := {severity: days |
	some severity, days in object.get(data.firewall.config, ["vulnerabilities", "sla_days"], {})
	is_number(days)
}

# Helpers, not `not is_array(_scan.findings)`: OPA evaluates a call's arguments before the
# negation around it, so the negation would fail when the list is absent.
_lists_findings if is_array(_scan.findings)

_dated(f) if lib.parse_time(f.published_at)
