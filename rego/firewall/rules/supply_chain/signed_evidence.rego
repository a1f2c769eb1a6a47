# METADATA
# description: DFW-SIGN-002 — where the environment requires it, each evidence kind comes from an attestation a trusted identity signed.
package firewall.rules.supply_chain.signed_evidence

import data.firewall.lib
import data.firewall.lib.verified_evidence as verified

# METADATA
# title: Required evidence is signed by a trusted identity
# description: >-
#   For each evidence kind the environment lists under trust.environments.<env>.verified_evidence
#   (bundle data), the deployed digest carries an attestation of that kind (its predicate
#   type is one trust.evidence_predicates maps to the kind) that dfw verified and a trusted
#   identity signed, and whose predicate dfw could read as evidence of the kind. A report
#   pushed to dfw without a signature, such as a plain Trivy JSON file, is then "cannot
#   verify", not a pass; and the other rules judge the signed attestation's content for
#   that kind, not the unsigned report (firewall.lib.verified_evidence).
#   Controls: NIST SP 800-53 SI-7 (integrity of the evidence) and SR-4 (provenance of
#   the scan results), OWASP CICD-SEC-9 (improper artifact integrity validation).
# custom:
#   id: DFW-SIGN-002
#   severity: high
#   category: supply_chain
#   controls: ["NIST-800-53:SI-7", "NIST-800-53:SR-4", "OWASP-CICD:CICD-SEC-9"]
#   remediation: >-
#     Sign the report in the pipeline as an attestation about the image digest and attach it
#     to the image (for a vulnerability scan: trivy image --format cosign-vuln -o vuln.json,
#     then cosign attest --type vuln --predicate vuln.json; for an SBOM: cosign attest --type
#     cyclonedx or spdxjson), or push the signed envelope with dfw evidence push --kind
#     attestation.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_image := lib.field("artifact", "image", "<unknown image>")

_findings contains lib.finding(
	sprintf("cannot verify %s for %s: %s", [kind, _image, verified.why(kind)]),
	sprintf("no trusted attestation of %s", [kind]),
) if {
	some kind in verified.required
	not verified.value(kind)
}
