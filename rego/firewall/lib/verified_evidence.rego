# METADATA
# description: >-
#   The evidence the rules judge where an environment requires kinds verified
#   (trust.environments.<env>.verified_evidence): for each such kind, the normalized value the
#   host read from the predicate of an attestation it verified, over the deployed digest,
#   signed by a signer trusted for role "evidence" — never the report as collected. The
#   decision entrypoint evaluates the rules on input_for_rules (firewall/decision), so the
#   rules themselves read input.evidence as always. No deny here.
package firewall.lib.verified_evidence

import data.firewall.lib
import data.firewall.lib.supply_chain as trust

# The kinds this environment requires verified (DFW-SIGN-002 checks each).
required := {k | some k in object.get(trust.environment_policy, "verified_evidence", []); is_string(k)}

# The kinds the rules are shown verified. Not provenance: DFW-PROV-001 judges the verified
# attestations themselves, and collected provenance says verified: false (dfw never checks
# a signature on --kind slsa), which that rule names as the reason it does not count. So an
# environment that requires only provenance verified, as production does by default, costs
# nothing more per check.
substituted := required - {"provenance"}

# The predicate types that make an attestation evidence of the kind.
predicates(kind) := object.get(object.get(trust.policy, "evidence_predicates", {}), kind, [])

# The rules see the verified evidence only when some kind is substituted and the collected
# evidence is an object to replace kinds in; otherwise nothing is computed per check.
applies if {
	count(substituted) > 0
	is_object(input.evidence)
}

# The trusted attestations of the kind (predicate type, verified over the deployed digest,
# signer trusted for "evidence"), whether or not the host could read their predicate.
signed(kind) := [a |
	some a in trust.attestations
	a.predicate_type in predicates(kind)
	trust.trusted(a, "evidence")
]

# What the host read from the verified predicate (src/collect/trust/predicate-evidence.ts);
# SLSA provenance keeps its own field.
_value(a, kind) := v if {
	v := a.evidence[kind]
	is_object(v)
} else := v if {
	kind == "provenance"
	v := a.provenance
	is_object(v)
}

# The values of the kind, ordered by where they were found so that every evaluator joins
# them alike.
_values[kind] := [entry[1] | some entry in sort([[trust.text(a, "location", ""), v] |
	some a in signed(kind)
	v := _value(a, kind)
])] if {
	some kind in required
}

# One signed value is judged as it is; several are judged together: the first one's fields,
# with every list (findings, components, subjects) joined from all of them, so a clean scan
# signed beside one with criticals does not hide them.
value(kind) := vs[0] if {
	vs := _values[kind]
	count(vs) == 1
} else := object.union(vs[0], {key: joined |
	some key, first in vs[0]
	is_array(first)
	joined := [x | some v in vs; some x in lib.list(v, key)]
}) if {
	vs := _values[kind]
	count(vs) > 1
}

# input.evidence as the rules see it: each substituted kind replaced by its verified value, or
# removed when there is none.
evidence := object.union(object.remove(input.evidence, substituted), {kind: v |
	some kind in substituted
	v := value(kind)
})

# input.unavailable as the rules see it: a substituted kind without a verified value says why,
# so "cannot verify" names the signature that is missing, not the report that is there.
unavailable := object.union(_collected_unavailable, {kind: why(kind) |
	some kind in substituted
	not value(kind)
})

_collected_unavailable := u if {
	u := input.unavailable
	is_object(u)
} else := {}

# The input the rules are evaluated on: evidence and unavailable as above, the rest as given.
input_for_rules := object.union({k: v | some k, v in input; not k in {"evidence", "unavailable"}}, {
	"evidence": evidence,
	"unavailable": unavailable,
})

# why says why the kind has no verified value, for messages.
why(kind) := sprintf("%s requires it signed, and signatures were not read: %s", [lib.environment, lib.unavailable_reason("attestations")]) if {
	lib.missing("attestations")
	is_string(kind)
} else := sprintf("%s requires it signed, and the signed attestation of it could not be read: %s", [lib.environment, concat("; ", _unread(kind))]) if {
	count(_unread(kind)) > 0
} else := sprintf("%s requires it signed, and no attestation of it (%s) for %s was signed by an identity trusted to sign evidence; a report pushed without a signature does not count", [
	lib.environment,
	concat(", ", predicates(kind)),
	trust.digest,
])

_unread(kind) := sort([sprintf("%s: %s", [trust.text(a, "location", "<unknown location>"), trust.text(a, "evidence_reason", "dfw reads no evidence from this predicate type")]) |
	some a in signed(kind)
	not _value(a, kind)
])
