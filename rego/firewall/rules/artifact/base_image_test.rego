package firewall.rules.artifact.base_image_test

import data.firewall.rules.artifact.base_image

_artifact := {"image": "registry.example.com/payments/api:1.5.0"}

_input(registry) := {"artifact": _artifact, "evidence": {"registry": registry}}

_allowed := ["registry.example.com/base/", "gcr.io/distroless/"]

_messages(denies) := {v.message | some v in denies}

test_allow_approved_base_image if {
	count(base_image.deny) == 0 with input as _input({"base_image": "gcr.io/distroless/nodejs22-debian12:nonroot"})
		with data.firewall.config.artifact.allowed_base_images as _allowed
}

test_deny_unapproved_base_image if {
	denies := base_image.deny with input as _input({"base_image": "docker.io/library/node:22"})
		with data.firewall.config.artifact.allowed_base_images as _allowed
	_messages(denies) == {"registry.example.com/payments/api:1.5.0 is built on docker.io/library/node:22, which is not an approved base image"}
	some v in denies
	v.rule == "DFW-ARTIFACT-002"
	v.severity == "medium"
}

test_deny_image_that_names_no_base if {
	denies := base_image.deny with input as _input({"digest": "sha256:4f1c"}) with data.firewall.config.artifact.allowed_base_images as _allowed
	_messages(denies) == {"registry.example.com/payments/api:1.5.0 does not name its base image (annotation org.opencontainers.image.base.name)"}
}

test_cannot_verify_without_registry if {
	count(base_image.deny) == 1 with input as {"artifact": _artifact, "evidence": {}}
}
