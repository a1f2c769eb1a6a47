# METADATA
# description: DFW-SIGN-002 — where the environment requires it, each evidence kind comes from an attestation a trusted identity signed.
package firewall.rules.supply_chain.signed_evidence

import data.firewall.lib
import data.firewall.lib.supply_chain as trust

# METADATA
# title: Required evidence is signed by a trusted identity
# description: >-
#   For each evidence kind the environment lists under trust.environments.<env>.verified_evidence
#   (bundle data), the deployed digest carries an attestation of that kind (its predicate
#   type is one trust.evidence_predicates maps to the kind) that dfw verified and a trusted
#   identity signed. A report pushed to dfw without a signature, such as a plain Trivy JSON
#   file, is then "cannot verify", not a pass.
#   Controls: NIST SP 800-53 SI-7 (integrity of the evidence) and SR-4 (provenance of
#   the scan results), OWASP CICD-SEC-9 (improper artifact integrity validation).
# custom:
#   id: DFW-SIGN-002
#   severity: high
#   category: supply_chain
#   controls: ["NIST-800-53:SI-7", "NIST-800-53:SR-4", "OWASP-CICD:CICD-SEC-9"]
#   remediation: >-
#     Sign the report in the pipeline as an attestation about the image digest (for example
#     cosign attest --type vuln --predicate trivy.json for a vulnerability scan) and attach
#     it to the image, or push the signed envelope with dfw evidence push --kind attestation.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_image := lib.field("artifact", "image", "<unknown image>")

_required := [k | some k in object.get(trust.environment_policy, "verified_evidence", []); is_string(k)]

_predicates(kind) := object.get(object.get(trust.policy, "evidence_predicates", {}), kind, [])

_attestations := [a |
	some a in trust.list(object.get(input, "evidence", {}), "attestations")
	is_object(a)
]

_signed(kind) if {
	some a in _attestations
	a.predicate_type in _predicates(kind)
	trust.trusted(a, "evidence")
}

_findings contains lib.finding(
	sprintf("cannot verify %s for %s: %s requires it signed, and %s", [kind, _image, lib.environment, _why(kind)]),
	sprintf("no trusted attestation of %s", [kind]),
) if {
	some kind in _required
	not _signed(kind)
}

_why(kind) := sprintf("signatures were not read: %s", [lib.unavailable_reason("attestations")]) if {
	lib.missing("attestations")
	is_string(kind)
} else := sprintf("no attestation of it (%s) for %s was signed by an identity trusted to sign evidence; a report pushed without a signature does not count", [
	concat(", ", _predicates(kind)),
	trust.digest,
])
