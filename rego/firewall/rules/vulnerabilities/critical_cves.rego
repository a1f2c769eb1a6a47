# METADATA
# description: DFW-VULN-001 — the deployed artifact has no known critical vulnerabilities.
package firewall.rules.vulnerabilities.critical_cves

import data.firewall.lib

# METADATA
# title: No critical CVEs in the artifact
# description: >-
#   The vulnerability scan of the deployed image reports no vulnerability of critical
#   severity in any of its packages.
#   Controls: NIST SP 800-53 RA-5 (vulnerability monitoring and scanning) and SI-2 (flaw
#   remediation), SOC 2 CC7.1, CIS-SSCS 3.2.2 (packages are automatically scanned for
#   known vulnerabilities), OWASP CICD-SEC-3 (dependency chain abuse).
# custom:
#   id: DFW-VULN-001
#   severity: critical
#   category: vulnerabilities
#   remediation: >-
#     Upgrade each affected package to its fixed version (or rebuild on a patched base
#     image), scan again and deploy the new digest. Where no fix exists, remove the package
#     or request a time-limited waiver from the security team.
#   controls:
#     - NIST-800-53:RA-5
#     - NIST-800-53:SI-2
#     - SOC2:CC7.1
#     - CIS-SSCS:3.2.2
#     - OWASP-CICD:CICD-SEC-3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_scan := input.evidence.vulnerabilities

_tool := _text(_scan, "tool", "<unknown tool>")

_findings contains lib.cannot_verify("vulnerabilities", sprintf("the vulnerabilities of %s", [lib.artifact_ref])) if {
	lib.missing("vulnerabilities")
}

# Without a findings list the scan's result is unknown, which is not the same as clean.
_findings contains lib.finding(
	sprintf("%s vulnerability scan of %s has no findings list", [_tool, lib.artifact_ref]),
	"vulnerabilities.findings is not an array",
) if {
	not lib.missing("vulnerabilities")
	not _has_findings_list
}

# One finding per vulnerability and package, however many times the scanner listed the
# pair (once per layer or per lock file, for example).
_findings contains lib.finding(
	sprintf("%s (%s) in %s %s of %s: %s", [id, severity, pkg, installed, lib.artifact_ref, _fix(fixed)]),
	sprintf("vulnerabilities.findings: %s %s in %s %s (%s)", [id, severity, pkg, installed, _tool]),
) if {
	some [id, pkg] in {[v.id, v.package] | some v in _blocking}
	severity := concat(", ", sort({v.severity | some v in _blocking; v.id == id; v.package == pkg}))
	installed := concat(", ", sort({v.installed | some v in _blocking; v.id == id; v.package == pkg}))
	fixed := {v.fixed | some v in _blocking; v.id == id; v.package == pkg; v.fixed != ""}
}

_has_findings_list if is_array(_scan.findings)

# The scanner's findings that block, each read into strings so that malformed ones still
# name something.
# An array, not a set: the compiled Wasm policy hashes a set's elements on every pass over
# it, and _findings walks this once per vulnerability; its sets merge duplicates.
_blocking := [{
	"id": _text(f, "id", "<unknown vulnerability>"),
	"package": _text(f, "package", "<unknown package>"),
	"installed": _text(f, "installed_version", "<unknown version>"),
	"fixed": _text(f, "fixed_version", ""),
	"severity": _severity_label(f),
} |
	_has_findings_list
	some f in _scan.findings
	not _below_critical(f)
]

# Only a readable severity below critical lets a finding pass; a missing or unrecognised
# severity denies.
_below_critical(f) if {
	is_string(f.severity)
	lib.severity_rank[lower(f.severity)] < lib.severity_rank.critical
}

_severity_label(f) := severity if {
	is_string(f.severity)
	severity := lower(f.severity)
	lib.severity_rank[severity]
} else := sprintf("unrecognised severity \"%s\"", [f.severity]) if {
	is_string(f.severity)
} else := "no severity"

_fix(fixed) := "no fix available" if {
	count(fixed) == 0
} else := sprintf("fixed in %s", [concat(", ", sort(fixed))])

# _text reads obj[key] as a non-empty string, or the default, so that messages still name
# something when the evidence is sparse or malformed.
_text(obj, key, default_value) := value if {
	value := obj[key]
	is_string(value)
	value != ""
} else := default_value
