# METADATA
# description: DFW-SOURCE-001 — the repository blocks pushes that contain secrets.
package firewall.rules.source.secret_push_protection

import data.firewall.lib

# METADATA
# title: Secret scanning with push protection is on
# description: >-
#   The deployed repository has GitHub secret scanning enabled with push protection, so
#   that a push containing a recognised credential is blocked before it lands in history
#   (and in every clone) rather than reported afterwards. Controls: CIS-SSCS 1.5.1
#   (scanners are in place to identify and prevent sensitive data in code), OWASP
#   CICD-SEC-6 (insufficient credential hygiene), NIST SP 800-53 IA-5 (authenticator
#   management: no embedded static authenticators) and SA-11 (developer testing), SOC 2
#   CC6.1.
# custom:
#   id: DFW-SOURCE-001
#   severity: high
#   category: source
#   remediation: >-
#     In the repository's Settings → Code security, enable Secret scanning and Push
#     protection (or enforce both for the organization), then rotate any secret already
#     reported.
#   controls:
#     - CIS-SSCS:1.5.1
#     - OWASP-CICD:CICD-SEC-6
#     - NIST-800-53:IA-5
#     - NIST-800-53:SA-11
#     - SOC2:CC6.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_repository_name := lib.field("source", "repository", "<unknown repository>")

_findings contains lib.cannot_verify("repository", sprintf("the secret scanning settings of %s", [_repository_name])) if {
	lib.missing("repository")
}

_findings contains lib.finding(
	sprintf("%s of %s is %s, not enabled", [what, _repository_name, _status(key)]),
	sprintf("repository.%s = %s", [key, _status(key)]),
) if {
	not lib.missing("repository")
	some key, what in {"secret_scanning": "secret scanning", "secret_scanning_push_protection": "secret scanning push protection"}
	not _enabled(key)
}

_enabled(key) if {
	status := input.evidence.repository[key]
	is_string(status)
	lower(status) == "enabled"
}

_status(key) := sprintf("\"%s\"", [input.evidence.repository[key]]) if {
	is_string(input.evidence.repository[key])
} else := "unknown"
