# METADATA
# description: DFW-ARTIFACT-001 — the deployed digest and every running digest are ones the registry vouches for.
package firewall.rules.artifact.registry_digest

import data.firewall.lib

# METADATA
# title: The artifact matches the registry by hash
# description: >-
#   The deployment names its image by digest, that digest is the one the registry holds
#   for the deployed tag, and every workload already running in the clusters runs a digest
#   the registry knows. A digest the registry does not know was built or pushed outside
#   the pipeline, so what runs may not be what was reviewed and scanned.
#   Controls: NIST SP 800-53 SI-7 (software integrity), SOC 2 CC6.8 (prevent or detect
#   unauthorized software), OWASP CICD-SEC-9 (improper artifact integrity validation).
# custom:
#   id: DFW-ARTIFACT-001
#   severity: critical
#   category: artifact
#   remediation: >-
#     Deploy by digest (image@sha256:…) the digest the pipeline pushed to the registry. If
#     a tag was overwritten or a workload runs an unknown digest, find out who pushed or
#     started it, remove it, and redeploy from the registry.
#   controls:
#     - NIST-800-53:SI-7
#     - SOC2:CC6.8
#     - OWASP-CICD:CICD-SEC-9
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_registry := input.evidence.registry

_image := lib.field("artifact", "image", "<unknown image>")

_findings contains lib.cannot_verify("registry", sprintf("the registry digest of %s", [_image])) if {
	lib.missing("registry")
}

_findings contains lib.cannot_verify("runtime", sprintf("the digests the clusters run for %s", [_image])) if {
	lib.missing("runtime")
}

_findings contains lib.finding(
	sprintf("the request to deploy %s names no digest; deploy by digest so that the registry can vouch for it", [_image]),
	"artifact.digest is absent",
) if {
	not _requested_digest
}

_findings contains lib.finding(
	sprintf("%s is requested at %s, but the registry holds %s for that tag", [_image, _requested_digest, _registry_digest]),
	sprintf("artifact.digest = %s; registry.digest = %s", [_requested_digest, _registry_digest]),
) if {
	not lib.missing("registry")
	_requested_digest
	not _requested_digest == _registry.digest
}

_findings contains lib.finding(
	sprintf("cannot verify the digests the clusters run for %s: evidence.runtime.workloads is not a list", [_image]),
	"runtime.workloads is not an array",
) if {
	not lib.missing("runtime")
	not _lists_workloads
}

_findings contains lib.finding(
	sprintf("workload %s runs %s at %s, a digest the registry does not know; it may be an unauthorized workload", [
		_workload_ref(workload),
		_text(workload, "image", "<unknown image>"),
		_text(workload, "digest", "<no digest>"),
	]),
	sprintf("runtime.workloads[%s].digest = %s is not in the registry", [_workload_ref(workload), _text(workload, "digest", "<no digest>")]),
) if {
	not lib.missing("registry")
	some workload in _workloads
	not _known_digest(workload)
}

_requested_digest := digest if {
	digest := input.artifact.digest
	is_string(digest)
	digest != ""
}

_registry_digest := _text(_registry, "digest", "<no digest>")

# The registry knows a digest when it is the deployed tag's digest or any tag's digest.
_registry_digests contains digest if {
	digest := _registry.digest
	is_string(digest)
}

_registry_digests contains digest if {
	some digest in _registry_tags
	is_string(digest)
}

_known_digest(workload) if workload.digest in _registry_digests

_registry_tags := tags if {
	tags := _registry.tags
	is_object(tags)
} else := {}

_lists_workloads if is_array(input.evidence.runtime.workloads)

_workloads := workloads if {
	workloads := input.evidence.runtime.workloads
	is_array(workloads)
} else := []

_workload_ref(workload) := sprintf("%s/%s/%s", [
	_text(workload, "cluster", "<unknown cluster>"),
	_text(workload, "namespace", "<unknown namespace>"),
	_text(workload, "name", "<unknown workload>"),
])

_text(item, key, default_value) := value if {
	value := item[key]
	is_string(value)
} else := default_value
