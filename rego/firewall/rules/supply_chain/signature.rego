# METADATA
# description: DFW-SIGN-001 — the deployed digest carries a valid signature from an identity trusted for this environment.
package firewall.rules.supply_chain.signature

import data.firewall.lib
import data.firewall.lib.supply_chain as trust

# METADATA
# title: The image is signed by an identity trusted for this environment
# description: >-
#   The deployed digest carries a signature (or a signed attestation) that dfw verified —
#   with a key it holds, or keyless against its Sigstore trusted root — over that very
#   digest, from an identity the trust policy (bundle data, trust.signers) trusts for this
#   image and environment: a key by fingerprint, or a certificate issuer and subject
#   pattern such as a GitHub Actions release workflow. Unsigned images, other keys,
#   signatures copied from another digest, altered payloads and expired or foreign
#   certificates do not count.
#   Controls: SLSA build level 2 (the artifact is signed, so consumers can check its
#   origin), NIST SP 800-53 SI-7 (software integrity) and SR-4 (provenance), OWASP
#   CICD-SEC-9 (improper artifact integrity validation).
# custom:
#   id: DFW-SIGN-001
#   severity: critical
#   category: supply_chain
#   controls: ["SLSA:build-L2", "NIST-800-53:SI-7", "NIST-800-53:SR-4", "OWASP-CICD:CICD-SEC-9"]
#   remediation: >-
#     Sign the digest in the pipeline that built it (cosign sign --key … or keyless from the
#     release workflow) and deploy that digest. If the signer is legitimate but new, have the
#     security team add its key fingerprint or issuer and subject pattern to trust.signers in
#     the bundle data for this image prefix and environment.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_image := lib.field("artifact", "image", "<unknown image>")

_findings contains lib.finding(
	sprintf("cannot verify the signature of %s: %s", [_image, trust.unavailable_reason]),
	"evidence.signatures unavailable",
) if {
	trust.missing_facts
}

_findings contains lib.finding(
	sprintf("cannot verify the signature of %s: the request names no digest, and signatures are made over a digest", [_image]),
	"artifact.digest is absent",
) if {
	not trust.missing_facts
	trust.digest == ""
}

_findings contains lib.finding(
	sprintf("%s (%s) is not signed: no signature or attestation was found for the digest", [_image, trust.digest]),
	"signatures = []; attestations = []",
) if {
	not trust.missing_facts
	trust.digest != ""
	count(trust.facts) == 0
}

_findings contains lib.finding(
	sprintf("%s (%s) carries no signature from an identity trusted for %s in %s: %s", [
		_image,
		trust.digest,
		trust.image_path,
		lib.environment,
		concat("; ", sort([trust.why_not(f, "image") | some f in trust.facts])),
	]),
	sprintf("%d signature(s) and attestation(s), none trusted", [count(trust.facts)]),
) if {
	not trust.missing_facts
	trust.digest != ""
	count(trust.facts) > 0
	not _signed
}

_signed if {
	some fact in trust.facts
	trust.trusted(fact, "image")
}
