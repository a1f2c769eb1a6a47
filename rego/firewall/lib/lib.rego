# METADATA
# description: >-
#   Helpers every rule shares: building violations from the rule's own METADATA, and the
#   "cannot verify" finding for evidence that is absent.
package firewall.lib

import data.firewall.config

# violation builds the object a rule's deny emits. id, title, severity, category,
# remediation and the compliance controls ("SOC2:CC8.1", …) come from the deny rule's own
# annotation (rego.metadata.rule(), resolved at compile time), so the catalog and the
# decisions cannot drift apart.
violation(meta, finding) := {
	"rule": meta.custom.id,
	"title": meta.title,
	"severity": meta.custom.severity,
	"category": meta.custom.category,
	"message": finding.message,
	"remediation": meta.custom.remediation,
	"evidence": finding.evidence,
	"controls": object.get(meta.custom, "controls", []),
}

# missing holds when an evidence kind is absent or null: DESIGN.md treats both as "not known".
missing(kind) if object.get(object.get(input, "evidence", {}), kind, null) == null

# unavailable_reason says why an evidence kind is unknown, as the collectors recorded it.
unavailable_reason(kind) := reason if {
	reason := input.unavailable[kind]
	is_string(reason)
} else := "no evidence was provided"

# cannot_verify is the finding a rule emits when the evidence it needs is not known.
cannot_verify(kind, what) := {
	"message": sprintf("cannot verify %s: %s", [what, unavailable_reason(kind)]),
	"evidence": sprintf("evidence.%s unavailable", [kind]),
}

# finding is the shape every rule's helper findings take.
finding(message, evidence) := {"message": message, "evidence": evidence}

# field reads input.<section>.<name> as a string, or the default when it is absent, so
# that messages can name what was deployed even when the request is sparse.
field(section, name, default_value) := value if {
	value := input[section][name]
	is_string(value)
} else := default_value

# source_ref names the deployed repository and branch, e.g. "github.com/acme/payments@main".
source_ref := sprintf("%s@%s", [
	field("source", "repository", "<unknown repository>"),
	field("source", "branch", "<unknown branch>"),
])

# artifact_ref names the deployed image and digest.
artifact_ref := sprintf("%s (%s)", [
	field("artifact", "image", "<unknown image>"),
	field("artifact", "digest", "<unknown digest>"),
])

# severity_rank orders severities so that rules can compare "at or above".
severity_rank := {"critical": 4, "high": 3, "medium": 2, "low": 1}

# environment is the deployment's environment as the request named it: for messages and for
# waivers, which name it too. Never look environment-keyed bundle data up by it.
environment := field("request", "environment", "")

# enforced_environment is the environment whose configuration applies: the requested name
# when bundle data lists it under environments, else unknown_environment (production by
# default, as src/engine/catalog.ts assumes when the key is absent) — the choice
# decision.rego's _enforcement makes. Every lookup of environment-keyed data (freeze
# calendars, promotion) goes by this name: a name the bundle does not list ("Production",
# "prodution") is enforced as production, so it must meet production's freezes and
# promotion too, not slip past them by matching no key.
enforced_environment := environment if {
	_ = config.environments[environment]
} else := config.unknown_environment if {
	is_string(config.unknown_environment)
} else := "production"

# text reads obj[key] as a non-empty string, or the default, so that messages still name
# something when the evidence is sparse or malformed.
text(obj, key, default_value) := value if {
	value := obj[key]
	is_string(value)
	value != ""
} else := default_value

# list reads obj[key] as an array, or [] when it is absent or of another type; rules that
# must tell "no list" from "empty list" test is_array themselves.
list(obj, key) := value if {
	value := obj[key]
	is_array(value)
} else := []

# number_text writes a number as the input wrote it: sprintf's %v formats floats differently
# in OPA (Go's %g) and in the Wasm SDK (sprintf-js), so messages would differ between evaluators.
number_text(n) := json.marshal(n)

# request_ns is the request time in nanoseconds, undefined when the input lacks it.
request_ns := n if {
	n := input.request.time_ns
	is_number(n)
}

# parse_time reads an RFC 3339 time as nanoseconds; undefined when it is not one.
parse_time(value) := time.parse_rfc3339_ns(value) if is_string(value)
