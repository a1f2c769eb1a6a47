# METADATA
# description: >-
#   The CI workflows of the deployed commit as the build rules read them: each workflow's
#   triggers, and each job's steps and runner labels (evidence.workflows).
package firewall.lib.workflows

import data.firewall.lib

listed if is_array(input.evidence.workflows)

workflows := [w | some w in lib.list(input.evidence, "workflows"); is_object(w)]

path(workflow) := lib.text(workflow, "path", "<unknown workflow>")

jobs(workflow) := [j | some j in lib.list(workflow, "jobs"); is_object(j)]

job_name(job) := lib.text(job, "name", "<unnamed job>")

# triggers are the events in the workflow's `on:`, as the collector lists them.
triggers(workflow) := {t | some t in lib.list(workflow, "on"); is_string(t)}

# steps lists every step of every job with where it is, for messages. An array, not a set:
# OPA's Wasm runtime hashes a set's whole element at each step of a walk over it, and three
# build rules walk these whenever a check has workflows (docs/performance-changes.md,
# eighteenth round).
# Two identical steps still give one finding: findings are sets.
steps := [{"workflow": path(w), "job": job_name(j), "step": s, "triggers": triggers(w)} |
	some w in workflows
	some j in jobs(w)
	some s in lib.list(j, "steps")
	is_object(s)
]

step_name(entry) := sprintf("step %s of job %s in %s", [lib.text(entry.step, "name", lib.text(entry.step, "uses", "<unnamed>")), entry.job, entry.workflow])

# unreadable_finding is what a build rule emits when evidence.workflows is not a list.
unreadable_finding(what) := lib.finding(
	sprintf("cannot verify %s of %s: evidence.workflows is not a list", [what, lib.source_ref]),
	"evidence.workflows is not an array",
)
