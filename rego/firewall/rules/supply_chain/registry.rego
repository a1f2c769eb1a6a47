# METADATA
# description: DFW-REGISTRY-001 — the image comes from an allowed registry and repository prefix and is pinned by digest.
package firewall.rules.supply_chain.registry

import data.firewall.lib
import data.firewall.lib.supply_chain as trust

# METADATA
# title: The image comes from an allowed registry and is pinned by digest
# description: >-
#   The deployed image's registry and repository start with one of the prefixes the trust
#   policy allows (trust.registries in the bundle data), and the request names the image
#   by digest, so that what is deployed cannot change under a moved tag.
#   Controls: NIST SP 800-53 CM-14 (signed components from known sources) and SR-4
#   (provenance), OWASP CICD-SEC-3 (dependency chain abuse: images only from trusted
#   registries).
# custom:
#   id: DFW-REGISTRY-001
#   severity: high
#   category: supply_chain
#   controls: ["NIST-800-53:CM-14", "NIST-800-53:SR-4", "OWASP-CICD:CICD-SEC-3"]
#   remediation: >-
#     Push the image to an allowed registry and repository (trust.registries) from the
#     pipeline, and deploy it by digest (image@sha256:…). To allow a new registry or
#     repository, have the security team add its prefix to trust.registries.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_image := lib.field("artifact", "image", "<unknown image>")

_allowed := object.get(trust.policy, "registries", [])

_findings contains lib.finding(
	sprintf("%s comes from %s, which is not an allowed registry or repository (allowed: %s)", [_image, trust.image_path, _allowed_text]),
	sprintf("artifact registry/repository = %s", [trust.image_path]),
) if {
	not trust.covers(_allowed)
}

_findings contains lib.finding(
	sprintf("%s is not pinned by digest: deploy it as image@sha256:…", [_image]),
	"artifact.digest is absent",
) if {
	trust.digest == ""
}

_allowed_text := concat(", ", [p | some p in _allowed; is_string(p)]) if {
	count(_allowed) > 0
} else := "none"
