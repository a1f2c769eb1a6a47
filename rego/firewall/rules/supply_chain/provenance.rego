# METADATA
# description: DFW-PROV-001 — verified SLSA provenance from an allowed builder, for the requested source and commit, at the required build level.
package firewall.rules.supply_chain.provenance

import data.firewall.lib
import data.firewall.lib.supply_chain as trust

# METADATA
# title: Verified SLSA provenance from an allowed builder for the requested commit
# description: >-
#   The deployed digest has SLSA provenance (v0.2 or v1) in an attestation dfw verified,
#   signed by an identity trusted for the image, from a builder the trust policy allows
#   (trust.builders) and credits to that signing identity (a builder id is a claim inside
#   the provenance: only the identities its entry names may make it), at or above the
#   environment's minimum SLSA build level, built from the source repository and commit the
#   deployment request names. Provenance pushed without a verifiable signature, or re-signed
#   by an untrusted identity, cannot be verified and does not count.
#   Controls: SLSA build levels 2 and 3 (signed provenance from a hosted, hardened
#   builder), NIST SP 800-53 SR-4 (provenance) and SR-11 (component authenticity),
#   OWASP CICD-SEC-9 (improper artifact integrity validation).
# custom:
#   id: DFW-PROV-001
#   severity: high
#   category: supply_chain
#   controls: ["SLSA:build-L2", "SLSA:build-L3", "NIST-800-53:SR-4", "NIST-800-53:SR-11", "OWASP-CICD:CICD-SEC-9"]
#   remediation: >-
#     Build the image with an allowed builder that signs SLSA provenance (for example
#     slsa-github-generator), from the commit you deploy, and attach the attestation to
#     the image (cosign attest) or push it with dfw evidence push --kind attestation. Deploy
#     the digest that build produced, and name its repository and commit in the request.
#     A builder's provenance counts only signed by an identity its trust.builders entry
#     names: slsa-github-generator's is its own keyless workflow, not a key of your CI.
deny contains lib.violation(rego.metadata.rule(), finding) if some finding in _findings

_slsa_types := {"https://slsa.dev/provenance/v0.2", "https://slsa.dev/provenance/v1"}

_image := lib.field("artifact", "image", "<unknown image>")

# SLSA attestations, verified or not (an unverified one names its claimed type).
_claims := [a | some a in trust.attestations; a.predicate_type in _slsa_types]

_candidates := [a |
	some a in _claims
	trust.trusted(a, "provenance")
	is_object(a.provenance)
]

_findings contains lib.cannot_verify("attestations", sprintf("the SLSA provenance of %s", [_image])) if {
	lib.missing("attestations")
	lib.missing("provenance")
}

_findings contains lib.finding(
	sprintf("cannot verify the SLSA provenance of %s (%s): %s", [_image, trust.digest, _unverified_text]),
	sprintf("%d SLSA attestation(s), none verified from a trusted signer", [count(_claims)]),
) if {
	not _no_evidence
	count(_candidates) == 0
}

_findings contains lib.finding(
	sprintf("the SLSA provenance of %s (%s) does not match: %s", [_image, trust.digest, concat("; ", sort(_problem_texts))]),
	sprintf("%d verified provenance(s), none acceptable", [count(_candidates)]),
) if {
	count(_candidates) > 0
	not _acceptable
}

_no_evidence if {
	lib.missing("attestations")
	lib.missing("provenance")
}

_acceptable if {
	some a in _candidates
	count(_problems(a)) == 0
}

_problem_texts := [sprintf("%s: %s", [trust.text(a, "location", "<unknown location>"), concat(", ", sort(_problems(a)))]) |
	some a in _candidates
]

_reasons contains trust.why_not(a, "provenance") if some a in _claims

_reasons contains sprintf("pushed provenance: %s", [trust.text(p, "unverified_reason", "not verified")]) if {
	p := input.evidence.provenance
	is_object(p)
	not p.verified == true
}

_unverified_text := concat("; ", sort(_reasons)) if {
	count(_reasons) > 0
} else := "no SLSA provenance attestation was found for the digest"

_builder_id(p) := trust.text(p, "builder_id", "<no builder id>")

# The trust.builders entries whose id the claimed builder id starts with.
_claimed(p) := [b |
	some b in trust.list(trust.policy, "builders")
	is_string(b.id)
	startswith(_builder_id(p), b.id)
]

# The levels the trust policy credits the attestation with: those of the entries for its
# builder id that name its signer among the identities that may claim it.
_levels(a) := [level |
	some b in trust.claimable_by[_signer(a)]
	is_string(b.id)
	startswith(_builder_id(a.provenance), b.id)
	level := object.get(b, "level", 0)
]

_signer(a) := object.get(a, "signer", {})

_min_level := object.get(trust.environment_policy, "min_build_level", 0)

_problems(a) := {m |
	some found in [_builder_problem(a), _ref_problem(a), _level_problem(a), _repository_problem(a.provenance), _commit_problem(a.provenance)]
	some m in found
}

_builder_problem(a) := {sprintf("builder %s is not an allowed builder", [_builder_id(a.provenance)])} if {
	count(_claimed(a.provenance)) == 0
} else := {sprintf("builder %s matches trust.builders %s, which names no identities that may claim it: no build level is credited", [
	_builder_id(a.provenance),
	concat(", ", sort({b.id | some b in _claimed(a.provenance)})),
])} if {
	count(_levels(a)) == 0
	count(_expected(a.provenance)) == 0
} else := {sprintf("builder %s may be claimed only by %s, not by %s, which signed this provenance: no build level is credited", [
	_builder_id(a.provenance),
	concat(" or ", sort(_expected(a.provenance))),
	trust.describe_signer(_signer(a)),
])} if {
	count(_levels(a)) == 0
} else := set()

# slsa-verifier's rule for a builder that signs as its own workflow: the builder id's ref is
# the signing workflow's own. Otherwise generator_container_slsa3.yml at an old release tag
# (one with a known flaw, say) could claim the id of a newer one, which an entry's subject
# pattern for every release tag lets it sign. Ids and subjects of other shapes (a key, a
# build platform's URI, an email) do not name one workflow, and are not compared.
_ref_problem(a) := {sprintf("builder %s names %s, but the workflow that signed this provenance ran at %s: a builder vouches only for its own ref", [
	_builder_id(a.provenance),
	id_ref,
	signer_ref,
])} if {
	[id_workflow, id_ref] := _at_ref(_builder_id(a.provenance))
	[signer_workflow, signer_ref] := _at_ref(_signer(a).subject)
	id_workflow == signer_workflow
	id_ref != signer_ref
} else := set()

# A workflow reference split at its first "@", as slsa-verifier splits the certificate's:
# "https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1" gives the workflow and
# "refs/tags/v1". Whatever follows is the ref, further "@"s included, and a reference
# without one has no ref: so neither "…w.yml@refs/tags/v2@x" nor a bare "…w.yml" passes
# for the ref the workflow signed at.
_at_ref(reference) := [substring(reference, 0, i), substring(reference, i + 1, -1)] if {
	is_string(reference)
	i := indexof(reference, "@")
	i >= 0
} else := [reference, "<no ref>"] if is_string(reference)

# Who the entries for the builder id let claim it, for messages.
_expected(p) := {trust.describe_identity(i) |
	some b in _claimed(p)
	some i in trust.list(b, "identities")
	is_object(i)
}

_level_problem(a) := {sprintf("builder %s is SLSA build level %d, below the %d required in %s", [_builder_id(a.provenance), max(_levels(a)), _min_level, lib.environment])} if {
	count(_levels(a)) > 0
	max(_levels(a)) < _min_level
} else := set()

_repository_problem(p) := {sprintf("built from %s, not the requested %s", [_source(p, "repository"), _requested_repository])} if {
	not lower(_source(p, "repository")) == lower(_requested_repository)
} else := set()

_commit_problem(p) := {sprintf("built from commit %s, not the requested %s", [_source(p, "commit"), _requested_commit])} if {
	not lower(_source(p, "commit")) == lower(_requested_commit)
} else := set()

_source(p, key) := trust.text(object.get(p, "source", {}), key, concat("", ["<no source ", key, ">"]))

_requested_repository := lib.field("source", "repository", "<no repository in the request>")

_requested_commit := lib.field("source", "commit", "<no commit in the request>")
