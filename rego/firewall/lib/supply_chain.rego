# METADATA
# description: >-
#   The trust policy (data.firewall.config.trust) applied to the signature and attestation
#   facts the host verified (input.evidence.signatures / attestations): which verified
#   signer is trusted for this image in this environment. No deny here: the supply-chain
#   rules share these helpers.
package firewall.lib.supply_chain

import data.firewall.config
import data.firewall.lib

policy := object.get(config, "trust", {})

# The trust settings of the environment whose enforcement applies (lib.enforced_environment):
# a name the bundle does not list gets those of config.unknown_environment, like enforcement
# (fail closed), even if the trust section happens to list that name.
environment_policy := p if {
	p := policy.environments[lib.enforced_environment]
} else := p if {
	p := policy.environments[config.unknown_environment]
} else := {}

# "registry.example.com/payments/api": what image prefixes in the trust policy match.
image_path := concat("/", [lib.field("artifact", "registry", ""), lib.field("artifact", "repository", "")])

digest := lib.field("artifact", "digest", "")

# facts lists every signature and attestation fact that is an object.
facts := [f |
	some kind in ["signatures", "attestations"]
	some f in list(object.get(input, "evidence", {}), kind)
	is_object(f)
]

# attestations lists the attestation facts that are objects (DFW-PROV-001, verified evidence).
attestations := [a |
	some a in list(object.get(input, "evidence", {}), "attestations")
	is_object(a)
]

# A prefix covers the image when the image path starts with it.
covers(prefixes) if {
	some prefix in prefixes
	is_string(prefix)
	startswith(image_path, prefix)
}

_for_environment(signer) if not signer.environments

# A signer limited to production also signs for a name enforced as production.
_for_environment(signer) if {
	some name in {lib.environment, lib.enforced_environment}
	name in signer.environments
}

_identity_matches(signer, identity) if {
	is_string(signer.key)
	signer.key == identity.key
}

_identity_matches(signer, identity) if {
	is_string(signer.issuer)
	is_string(signer.subject)
	signer.issuer == identity.issuer
	is_string(identity.subject)
	regex.match(signer.subject, identity.subject)
}

# A signer may be trusted for some roles only: "image" (its signature approves the image
# for deployment, DFW-SIGN-001), "provenance" (DFW-PROV-001), "evidence" (DFW-SIGN-002).
# No roles means all: a builder's identity should sign provenance, not approve releases.
_for_role(signer, _) if not signer.roles
_for_role(signer, role) if role in signer.roles

# The trust-policy entries that cover this image in this environment, per signer identity
# found on the facts. Computed once per evaluation: the subject patterns are regular
# expressions, which Wasm compiles on every call, and every supply-chain rule asks.
_entries_for[identity] := [signer |
	some signer in object.get(policy, "signers", [])
	covers(object.get(signer, "images", []))
	_for_environment(signer)
	_identity_matches(signer, identity)
] if {
	some fact in facts
	identity := object.get(fact, "signer", {})
}

# Some trust-policy entry vouches for the fact's signer, for this image, environment and role.
trusted_by(fact, role) if {
	some signer in _entries_for[object.get(fact, "signer", {})]
	_for_role(signer, role)
}

# A fact counts when the host verified it over the deployed digest and an identity the
# policy trusts for the role signed it.
trusted(fact, role) if {
	fact.verified == true
	fact.digest == digest
	trusted_by(fact, role)
}

# A trust.builders entry credits its level only to the signers it names under identities,
# in trust.signers' own terms (a key by fingerprint, or a certificate issuer and subject
# pattern). The builder id is a field inside the signed predicate: any identity trusted for
# provenance could write slsa-github-generator's there, so SLSA verification (as
# slsa-verifier does it) ties the builder to the identity that signed. An entry without
# identities lets no one claim it (fail closed).
may_claim(builder, identity) if {
	some allowed in list(builder, "identities")
	is_object(allowed)
	_identity_matches(allowed, identity)
}

# The trust.builders entries each attestation signer may claim, computed once per
# evaluation like _entries_for (the subject patterns are regular expressions).
claimable_by[identity] := [builder |
	some builder in list(policy, "builders")
	is_object(builder)
	may_claim(builder, identity)
] if {
	some a in attestations
	identity := object.get(a, "signer", {})
}

# describe_identity names an identity the trust policy lists (a pattern), for messages.
describe_identity(allowed) := sprintf("key %s", [allowed.key]) if {
	is_string(allowed.key)
} else := sprintf("a subject matching %s (issuer %s)", [allowed.subject, allowed.issuer]) if {
	is_string(allowed.subject)
	is_string(allowed.issuer)
} else := sprintf("%v, which names neither a key nor an issuer and subject", [allowed])

# describe_signer names who signed, for messages.
describe_signer(identity) := sprintf("key %s", [identity.key]) if {
	is_string(identity.key)
} else := sprintf("%s (issuer %s)", [identity.subject, identity.issuer]) if {
	is_string(identity.subject)
	is_string(identity.issuer)
} else := "an unknown signer"

# why_not says why one fact does not count for a role, for messages.
why_not(fact, role) := sprintf("%s: not verified: %s", [_location(fact), text(fact, "reason", "no reason given")]) if {
	not fact.verified == true
} else := sprintf("%s: over %s, not the deployed %s", [_location(fact), text(fact, "digest", "<no digest>"), digest]) if {
	not fact.digest == digest
} else := sprintf("%s: signed by %s, which the trust policy does not trust to sign %s for %s in %s", [
	_location(fact),
	describe_signer(object.get(fact, "signer", {})),
	_role_text[role],
	image_path,
	lib.environment,
])

_role_text := {"image": "the image", "provenance": "provenance", "evidence": "evidence"}

_location(fact) := text(fact, "location", "<unknown location>")

# Neither kind of fact is known: signatures were not collected.
missing_facts if {
	lib.missing("signatures")
	lib.missing("attestations")
}

unavailable_reason := lib.unavailable_reason("signatures")

# text reads obj[key] as a non-empty string, or the default.
text(obj, key, default_value) := value if {
	value := obj[key]
	is_string(value)
	value != ""
} else := default_value

# list reads obj[key] as an array, or [] when it is absent or of another type.
list(obj, key) := value if {
	value := obj[key]
	is_array(value)
} else := []
