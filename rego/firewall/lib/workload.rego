# METADATA
# description: >-
#   The Kubernetes workload being deployed, as the workload rules read it: the pod spec from
#   evidence.workload (the manifest of the admission request or of the CD request) and each
#   of its containers with its effective security context.
package firewall.lib.workload

import data.firewall.lib

# workload is {} unless the evidence holds an object, so messages can still name it.
workload := w if {
	w := input.evidence.workload
	is_object(w)
} else := {}

# ref names the workload in messages, e.g. "Deployment payments/payments-api".
ref := sprintf("%s %s/%s", [
	lib.text(workload, "kind", "workload"),
	lib.text(workload, "namespace", "<no namespace>"),
	lib.text(workload, "name", lib.field("request", "service", "<unnamed>")),
])

pod_spec := spec if {
	spec := workload.pod_spec
	is_object(spec)
}

# readable holds when the evidence has a pod spec with a list of containers; the workload
# rules judge nothing else.
readable if is_array(pod_spec.containers)

# Every container list of a pod spec runs code (Kubernetes API: containers, initContainers,
# ephemeralContainers), so every one is judged. An array, not a set, as workflows.steps.
containers := [{"list": list_name, "container": c} |
	some list_name in ["containers", "initContainers", "ephemeralContainers"]
	some c in lib.list(pod_spec, list_name)
	is_object(c)
]

# name names a container in messages: "container api", "initContainer migrate".
name(entry) := sprintf("%s %s", [trim_suffix(entry.list, "s"), lib.text(entry.container, "name", "<unnamed>")])

context(entry) := sc if {
	sc := entry.container.securityContext
	is_object(sc)
} else := {}

pod_context := sc if {
	sc := pod_spec.securityContext
	is_object(sc)
} else := {}

# effective reads a setting the container may set and otherwise inherits from the pod's
# securityContext (runAsNonRoot, runAsUser, seccompProfile in the Kubernetes API).
effective(entry, key) := value if {
	value := context(entry)[key]
	value != null
} else := value if {
	value := pod_context[key]
	value != null
}

# unreadable_finding is the finding each workload rule emits when the evidence is there but
# holds no pod spec it can judge.
unreadable_finding(what) := lib.finding(
	sprintf("cannot verify %s of %s: evidence.workload has no pod spec with a list of containers", [what, ref]),
	"workload.pod_spec.containers is not an array",
)
