# METADATA
# title: Firewall decision
# description: >-
#   The one entrypoint (firewall/decision). Gathers every rule's violations, applies the
#   environment's enforcement from bundle data (data.firewall.config) and the waivers in
#   input.waivers, and returns the decision shape of DESIGN.md with every key present.
package firewall

import data.firewall.config
import data.firewall.lib
import data.firewall.lib.verification_summary as summary
import data.firewall.lib.verified_evidence as verified

severities := ["critical", "high", "medium", "low"]

# An environment that bundle data does not list gets the enforcement of
# config.unknown_environment (production by default): fail closed.
_enforcement := e if {
	e := config.environments[lib.environment]
} else := config.environments[config.unknown_environment]

_override(rule_id) := o if {
	o := _enforcement.rules[rule_id]
} else := {}

_enabled(rule_id) if not _override(rule_id).enabled == false

# Every rule package under firewall.rules contributes its deny set; adding a rule needs no
# change here. With a verification summary that vouches for the image, only the packages the
# summary cannot speak for do (lib/verification_summary.rego). Where the environment requires evidence kinds verified, the rules judge those
# kinds as signed attestations carried them, not as collected (lib/verified_evidence.rego):
# the rules are evaluated on an input whose evidence and unavailable are replaced, so no rule
# reads the verified value differently. One `with` on the whole input: two, on input.evidence
# and input.unavailable, took the Wasm evaluator's typical check from 0.29 to 0.41 ms. Where
# no kind is substituted (production's default requires only provenance) nothing more is
# computed.
#
# The compiled Wasm policy hashes a whole violation (eight fields, the remediation text and
# the controls among them) on every set insert and twice per element when it iterates a
# set, so the violations are gathered into one array, sorted by rule id and message (the
# order every evaluator returns), and a violation that two rules both emit is dropped where
# it repeats the one before it: on 5,000 findings the chain of sets this replaces took about
# a third of the evaluation.
_entries := sort(array.concat(_collected_entries, _verified_entries))

_collected_entries := [[v.rule, v.message, v] |
	not verified.applies
	some category, rule
	denies := data.firewall.rules[category][rule].deny
	summary.judged(category, rule)
	some denied in denies
	_enabled(denied.rule)
	v := _with_environment_severity(denied)
]

_verified_entries := [[v.rule, v.message, v] |
	verified.applies
	some category, rule
	denies := data.firewall.rules[category][rule].deny with input as verified.input_for_rules
	summary.judged(category, rule)
	some denied in denies
	_enabled(denied.rule)
	v := _with_environment_severity(denied)
]

_with_environment_severity(v) := object.union(v, {"severity": object.get(_override(v.rule), "severity", v.severity)})

_sorted := [entry[2] | some i, entry in _entries; not _repeats_previous(i)]

_repeats_previous(i) if {
	i > 0
	_entries[i - 1] == _entries[i]
}

_waivers := [w | some w in object.get(input, "waivers", []); is_object(w)]

_requested_by := lib.field("request", "requested_by", "")

_digest_matches(w) if not w.artifact_digest
_digest_matches(w) if w.artifact_digest == lib.field("artifact", "digest", "")

# A waiver applies while its expiry is after the request time (not the wall clock, so
# replays decide the same), never to a deployment its own approver requested
# (separation of duties), and only with an approver named.
_applies(w, v) if {
	w.rule == v.rule
	w.application == lib.field("request", "application", "")
	w.environment in {lib.environment, "*"}
	_digest_matches(w)
	is_string(w.id)
	is_string(w.approved_by)
	w.approved_by != ""
	w.approved_by != _requested_by
	time.parse_rfc3339_ns(w.expires_at) > input.request.time_ns
}

# When several waivers match, the one with the smallest id is reported, so the choice is
# the same on every evaluator.
_waiver_for(v) := ids[0] if {
	ids := sort([w.id | some w in _waivers; _applies(w, v)])
	count(ids) > 0
}

_waived contains object.union(v, {
	"waiver_id": w.id,
	"approved_by": w.approved_by,
	"expires_at": w.expires_at,
}) if {
	some v in _sorted
	id := _waiver_for(v)
	some w in _waivers
	w.id == id
}

_active := [v | some v in _sorted; not _waiver_for(v)]

# Without readable enforcement (bad bundle data), everything blocks: fail closed.
_blocking := b if {
	b := _enforcement.blocking
	is_array(b)
} else := severities

_blocks(severity) if severity in _blocking

_of_severity(severity) := [v | some v in _active; v.severity == severity]

_blocked_of_severity(severity) := _of_severity(severity) if _blocks(severity)

else := []

_unblocked_of_severity(severity) := [] if _blocks(severity)

else := _of_severity(severity)

deny := {severity: _blocked_of_severity(severity) | some severity in severities}

warn := {severity: _unblocked_of_severity(severity) | some severity in severities}

_ordered(vs) := [entry[2] | some entry in sort([[v.rule, v.message, v] | some v in vs])]

waived := _ordered(_waived)

_deny_count := sum([count(deny[severity]) | some severity in severities])

decision := {
	"allow": _deny_count == 0,
	"environment": lib.environment,
	"deny": deny,
	"warn": warn,
	"waived": waived,
}
