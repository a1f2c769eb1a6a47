# METADATA
# description: Shared test data for the supply-chain rule tests.
package firewall.rules.supply_chain.fixtures_test

digest := "sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b"

other_digest := "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"

release_key := "sha256:c21203261141918569bf4a0255beca008185a9adfb80fd2b4b0c6a9519d4063c"

# The example build system's key (example-build-key: provenance and evidence) and CI's
# own key (payments-ci-provenance-key: provenance), as the shipped trust policy names them.
build_key := "sha256:2bb0746503e0374a722e16a8d4dc4f4c694f86ea74e4c6b92cdbb8143f5438ca"

ci_key := "sha256:0f0b92d674f365cf7dd10bdf67ac47dc41edeb8481db9ee649822c93fb8b0829"

commit := "9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e"

builder := "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0"

signature := {
	"verified": true, "source": "registry", "format": "cosign",
	"location": "registry.example.com/payments/api:sha256-4f1c.sig layer 0",
	"digest": digest, "signer": {"key": release_key},
}

provenance_attestation := {
	"verified": true, "source": "registry", "format": "sigstore-bundle",
	"location": "registry.example.com/payments/api referrer sha256:77aa",
	"digest": digest,
	"signer": {
		"issuer": "https://token.actions.githubusercontent.com",
		"subject": builder,
	},
	"tlog": {"log_index": 22095070, "integrated_time": "2026-11-27T18:01:00.000Z"},
	"predicate_type": "https://slsa.dev/provenance/v1",
	"provenance": {
		"predicate_type": "https://slsa.dev/provenance/v1",
		"builder_id": builder,
		"source": {"repository": "github.com/acme/payments", "commit": commit, "ref": "refs/heads/main"},
		"subjects": [{"name": "registry.example.com/payments/api", "digest": digest}],
		"verified": true,
	},
}

request(environment, evidence) := {
	"request": {"environment": environment, "application": "payments", "time_ns": 1795874400000000000},
	"artifact": {
		"image": "registry.example.com/payments/api:1.5.0", "digest": digest,
		"registry": "registry.example.com", "repository": "payments/api", "tag": "1.5.0",
	},
	"source": {"repository": "github.com/acme/payments", "branch": "main", "commit": commit},
	"evidence": evidence,
}

signed := request("production", {"signatures": [signature], "attestations": [provenance_attestation]})
