# METADATA
# description: DFW-SOURCE-002 — the repository has no open critical Dependabot alert.
package firewall.rules.source.dependabot_alerts

import data.firewall.lib

# METADATA
# title: No open critical Dependabot alerts
# description: >-
#   The deployed repository has no open Dependabot alert of a blocking severity (bundle
#   data source.dependabot_blocking_severities, by default critical): a vulnerable
#   dependency GitHub already told the team about is not shipped again. Dismissed and fixed
#   alerts do not count. Controls: NIST SP 800-53 RA-5 (vulnerability monitoring and
#   scanning) and SI-2 (flaw remediation), CIS-SSCS 1.5.5 (scanners are in place for
#   open-source vulnerabilities in used packages), OWASP CICD-SEC-3 (dependency chain
#   abuse), SOC 2 CC7.1.
# custom:
#   id: DFW-SOURCE-002
#   severity: critical
#   category: source
#   remediation: >-
#     Merge the Dependabot security update (or upgrade the dependency yourself) for each
#     open critical alert, or dismiss it in GitHub with a reason if it does not apply.
#   controls:
#     - NIST-800-53:RA-5
#     - NIST-800-53:SI-2
#     - CIS-SSCS:1.5.5
#     - OWASP-CICD:CICD-SEC-3
#     - SOC2:CC7.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_alerts := input.evidence.dependabot_alerts

_repository_name := lib.field("source", "repository", "<unknown repository>")

_findings contains lib.cannot_verify("dependabot_alerts", sprintf("the open Dependabot alerts of %s", [_repository_name])) if {
	lib.missing("dependabot_alerts")
}

_findings contains lib.finding(
	sprintf("cannot verify the open Dependabot alerts of %s: evidence.dependabot_alerts.open is not a list", [_repository_name]),
	"dependabot_alerts.open is not an array",
) if {
	not lib.missing("dependabot_alerts")
	not _lists_alerts
}

_findings contains lib.finding(
	sprintf("%s has open Dependabot alert %s (%s) for %s: %s", [
		_repository_name, _number(alert), lower(alert.severity), lib.text(alert, "package", "<unknown package>"),
		lib.text(alert, "advisory", "<unknown advisory>"),
	]),
	sprintf("dependabot_alerts.open[%s].severity = %s", [_number(alert), lower(alert.severity)]),
) if {
	some alert in lib.list(_alerts, "open")
	is_string(alert.severity)
	lower(alert.severity) in object.get(data.firewall.config, ["source", "dependabot_blocking_severities"], ["critical"])
}

_lists_alerts if is_array(_alerts.open)

_number(alert) := sprintf("#%s", [lib.number_text(alert.number)]) if {
	is_number(alert.number)
} else := "<unnumbered>"
