package firewall.rules.{{team}}.approved_deployer_test

import data.firewall.rules.{{team}}.approved_deployer

_request(requested_by) := {
	"request": {"application": "payments", "environment": "production", "requested_by": requested_by},
	"artifact": {"image": "registry.example.com/payments/api:1.5.0"},
}

test_allow_approved_cd_system if {
	count(approved_deployer.deny) == 0 with input as _request("spinnaker")
}

test_deny_other_requester if {
	violations := approved_deployer.deny with input as _request("bob-laptop")
	some v in violations
	v.rule == "{{ID}}"
	v.severity == "high"
	v.evidence == "request.requested_by = bob-laptop"
}

test_deny_when_nobody_named if {
	violations := approved_deployer.deny with input as {"request": {"environment": "production"}}
	some v in violations
	v.evidence == "request.requested_by = <nobody named>"
}
