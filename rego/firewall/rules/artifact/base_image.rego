# METADATA
# description: DFW-ARTIFACT-002 — the image is built on a base image the platform team approved.
package firewall.rules.artifact.base_image

import data.firewall.lib

# METADATA
# title: The image is built on an approved base image
# description: >-
#   The deployed image names its base image (the OCI annotation
#   org.opencontainers.image.base.name, which docker buildx and most builders write, as the
#   registry collector records it in registry.base_image) and that base image starts with
#   one of the prefixes in bundle data (artifact.allowed_base_images), so that only
#   patched, hardened bases the platform team maintains reach production. Controls: NIST
#   SP 800-53 CM-2 (baseline configuration) and SR-3 (supply chain controls), CIS-SSCS
#   3.1.5 (trusted package managers and repositories are defined and prioritized), OWASP
#   CICD-SEC-3 (dependency chain abuse), SOC 2 CC7.1.
# custom:
#   id: DFW-ARTIFACT-002
#   severity: medium
#   category: artifact
#   remediation: >-
#     Build FROM an approved base image (artifact.allowed_base_images) and let the builder
#     record it: `docker buildx build` does with --annotation or the default base-name
#     annotation; otherwise add `org.opencontainers.image.base.name` to the manifest.
#   controls:
#     - NIST-800-53:CM-2
#     - NIST-800-53:SR-3
#     - CIS-SSCS:3.1.5
#     - OWASP-CICD:CICD-SEC-3
#     - SOC2:CC7.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_image := lib.field("artifact", "image", "<unknown image>")

_base := lib.text(input.evidence.registry, "base_image", "")

_findings contains lib.cannot_verify("registry", sprintf("the base image of %s", [_image])) if {
	lib.missing("registry")
}

_findings contains lib.finding(
	sprintf("%s does not name its base image (annotation org.opencontainers.image.base.name)", [_image]),
	"registry.base_image is absent",
) if {
	not lib.missing("registry")
	_base == ""
}

_findings contains lib.finding(
	sprintf("%s is built on %s, which is not an approved base image", [_image, _base]),
	sprintf("registry.base_image = %s", [_base]),
) if {
	_base != ""
	not _approved
}

_approved if {
	some prefix in object.get(data.firewall.config, ["artifact", "allowed_base_images"], [])
	is_string(prefix)
	startswith(_base, prefix)
}
