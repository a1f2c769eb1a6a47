# METADATA
# description: DFW-SBOM-001 — the deployed image has a software bill of materials.
package firewall.rules.sbom.sbom_present

import data.firewall.lib

# METADATA
# title: An SBOM exists for the deployed digest
# description: >-
#   A software bill of materials (CycloneDX or SPDX, pushed with `dfw evidence push --kind
#   cyclonedx|spdx --subject <digest>` and looked up by the deployed digest) lists the
#   components of the deployed image, so that the next Log4Shell can be answered with a
#   query instead of a hunt, and the licence and banned-package rules have something to
#   judge. Controls: NIST SP 800-53 CM-8 (system component inventory) and SR-4
#   (provenance), CIS-SSCS 2.4.5 (pipeline steps produce an SBOM), SOC 2 CC7.1, OWASP
#   CICD-SEC-3 (dependency chain abuse).
# custom:
#   id: DFW-SBOM-001
#   severity: high
#   category: sbom
#   remediation: >-
#     Generate an SBOM of the image in the pipeline (for example `trivy image --format
#     cyclonedx` or `syft -o spdx-json`) and push it for the image digest with `dfw evidence
#     push --kind cyclonedx --subject sha256:…`.
#   controls:
#     - NIST-800-53:CM-8
#     - NIST-800-53:SR-4
#     - CIS-SSCS:2.4.5
#     - SOC2:CC7.1
#     - OWASP-CICD:CICD-SEC-3
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_findings contains lib.cannot_verify("sbom", sprintf("that an SBOM lists the components of %s", [lib.artifact_ref])) if {
	lib.missing("sbom")
}

_findings contains lib.finding(
	sprintf("the SBOM of %s has no list of components", [lib.artifact_ref]),
	"sbom.components is not an array",
) if {
	not lib.missing("sbom")
	not _lists_components
}

_lists_components if is_array(input.evidence.sbom.components)
