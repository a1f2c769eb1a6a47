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

# One message per finding, so concat rather than sprintf (every argument is a string): the
# Wasm policy calls sprintf in JavaScript, passing its arguments as JSON both ways, which
# on 5,000 findings cost about a tenth of the evaluation.
_findings contains lib.finding(
	concat("", [
		id, " (", severity, ") in ", lib.text(f, "package", "<unknown package>"), " ",
		lib.text(f, "installed_version", "<unknown version>"), " of ", lib.artifact_ref, " was published ", f.published_at,
		" and is fixed in ", f.fixed_version, "; the SLA for ", severity, " is ", lib.number_text(days), " days",
	]),
	concat("", ["vulnerabilities.findings: ", id, " published_at = ", f.published_at, ", fixed_version = ", f.fixed_version]),
) if {
	some f in _fixable
	severity := lower(f.severity)
	days := _sla_days[severity]
	published := lib.parse_time(f.published_at)
	published + (days * _day_ns) < lib.request_ns
	id := lib.text(f, "id", "<unknown vulnerability>")
}

_findings contains lib.finding(
	concat("", [
		id, " (", severity, ") in ", lib.text(f, "package", "<unknown package>"), " ",
		lib.text(f, "installed_version", "<unknown version>"), " of ", lib.artifact_ref, " is fixed in ", f.fixed_version,
		", but the scan gives no publication date, so its SLA of ", lib.number_text(days), " days cannot be checked",
	]),
	concat("", ["vulnerabilities.findings: ", id, " published_at is not an RFC 3339 time"]),
) if {
	some f in _fixable
	severity := lower(f.severity)
	days := _sla_days[severity]
	not _dated(f)
	id := lib.text(f, "id", "<unknown vulnerability>")
}

_day_ns := 86400000000000

# Findings of a severity with an SLA and a fixed version named. An array, not a set: the
# compiled Wasm policy hashes every finding a set holds, and _findings merges duplicates.
_fixable := [f |
	some f in lib.list(_scan, "findings")
	is_string(f.severity)
	_sla_days[lower(f.severity)]
	is_string(f.fixed_version)
	f.fixed_version != ""
]

_sla_days := {severity: days |
	some severity, days in object.get(data.firewall.config, ["vulnerabilities", "sla_days"], {})
	is_number(days)
}

# Helpers, not `not is_array(_scan.findings)`: OPA evaluates a call's arguments before the
# negation around it, so the negation would fail when the list is absent.
_lists_findings if is_array(_scan.findings)

_dated(f) if lib.parse_time(f.published_at)
