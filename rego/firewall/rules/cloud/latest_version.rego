# METADATA
# description: DFW-CLOUD-001 — the deployed version is the newest one in the registry, compared as semver.
package firewall.rules.cloud.latest_version

import data.firewall.lib

# METADATA
# title: The deployed version is the latest in the registry (semver-aware)
# description: >-
#   The deployed tag is the newest version of the image in the registry, compared by
#   semantic-version precedence (a leading "v" is accepted; 1.5.0-rc.1 is older than
#   1.5.0; tags that are not versions, such as "latest", are ignored). A stable release is
#   compared with stable releases only, so a newer beta does not make it "old"; a
#   pre-release is compared with everything. When no tag is a version, the registry's own
#   "latest" stands in. A tag that cannot be compared fails closed unless it is that
#   newest tag.
#   Controls: NIST SP 800-53 SI-2 (flaw remediation: the current release carries the
#   fixes), SOC 2 CC7.1 (vulnerabilities are detected and acted on).
# custom:
#   id: DFW-CLOUD-001
#   severity: medium
#   category: cloud
#   remediation: >-
#     Deploy the newest released version, tagged with a semantic version (1.5.0 or
#     v1.5.0). If an older version must go out (a rollback), record a waiver for this rule.
#   controls:
#     - NIST-800-53:SI-2
#     - SOC2:CC7.1
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_registry := input.evidence.registry

_repository := lib.field("artifact", "repository", lib.field("artifact", "image", "<unknown image>"))

_findings contains lib.cannot_verify("registry", sprintf("that %s is the newest version in the registry", [lib.field("artifact", "image", "<unknown image>")])) if {
	lib.missing("registry")
}

_findings contains lib.finding(
	sprintf("the registry lists no semantic-version tag and no latest version for %s; cannot tell whether %s is the newest", [_repository, _deployed_text]),
	"registry.tags has no semantic-version key and registry.latest is absent",
) if {
	not lib.missing("registry")
	not _newest
}

_findings contains lib.finding(
	sprintf("the request to deploy %s names no tag; cannot compare it with %s, the newest version in the registry", [_repository, _newest]),
	"artifact.tag is absent",
) if {
	_newest
	not _deployed_tag
}

_findings contains lib.finding(
	sprintf("%s %s is older than %s, the newest version in the registry", [_repository, _deployed_tag, _newest]),
	sprintf("artifact.tag = %s; newest registry version = %s", [_deployed_tag, _newest]),
) if {
	_deployed_version != _newest_version
	semver.compare(_deployed_version, _newest_version) < 0
}

_findings contains lib.finding(
	sprintf("%s tag %s is not a semantic version; cannot compare it with %s, the newest version in the registry", [_repository, _deployed_tag, _newest]),
	sprintf("artifact.tag = %s is not semver; newest registry version = %s", [_deployed_tag, _newest]),
) if {
	not lib.missing("registry")
	not _deployed_version
	_deployed_tag != _newest
}

_findings contains lib.finding(
	sprintf("%s %s cannot be compared with %s, the registry's latest version, which is not a semantic version", [_repository, _deployed_tag, _newest]),
	sprintf("artifact.tag = %s; registry.latest = %s is not semver", [_deployed_tag, _newest]),
) if {
	_deployed_version
	not _newest_is_version
	_deployed_tag != _newest
}

# _version is the semantic version a tag names, without its optional leading "v".
_version(tag) := version if {
	is_string(tag)
	version := trim_prefix(tag, "v")
	semver.is_valid(version)
}

_deployed_tag := tag if {
	tag := input.artifact.tag
	is_string(tag)
	tag != ""
}

_deployed_text := tag if {
	tag := _deployed_tag
} else := "the deployed version"

_deployed_version := _versions[_deployed_tag]

_deployed_version := _version(_deployed_tag) if not _versions[_deployed_tag]

_newest_version := _versions[_newest]

_newest_version := _version(_newest) if not _versions[_newest]

_newest_is_version if _newest_version

_registry_tags := tags if {
	tags := _registry.tags
	is_object(tags)
} else := {}

# Every registry tag that names a semantic version, validated once: the deployed and the
# newest tag are usually among them, and each semver call leaves Wasm for JavaScript.
_versions := {tag: version |
	some tag, _ in _registry_tags
	version := _version(tag)
}

_semver_tags := {tag: version |
	some tag, version in _versions
	_candidate(version)
}

# A pre-release has a "-" before any "+build" part (semver 2.0.0, item 9).
_pre_release(version) if contains(split(version, "+")[0], "-")

_candidate(version) if not _pre_release(version)

_candidate(_) if _pre_release(_deployed_version)

# The newest release (major, minor, patch) is found with the native max over numeric
# arrays, so that only the few tags sharing it are compared pairwise with the host's
# semver.compare (pre-releases and build metadata); registries can hold thousands of tags.
_release(version) := [to_number(part) | some part in split(split(split(version, "+")[0], "-")[0], ".")]

_newest_release := max({_release(version) | some version in _semver_tags})

_finalists := {tag: version |
	some tag, version in _semver_tags
	_release(version) == _newest_release
}

_outranked(version) if {
	some other in _finalists
	other != version
	semver.compare(other, version) > 0
}

# Tags of equal precedence (1.5.0, v1.5.0, 1.5.0+build.7) tie; the smallest name is shown.
_newest := newest[0] if {
	newest := sort([tag |
		some tag, version in _finalists
		not _outranked(version)
	])
	count(newest) > 0
} else := latest if {
	latest := _registry.latest
	is_string(latest)
	latest != ""
}
