#!/usr/bin/env bash
# Regenerates the signatures and attestations examples/*.json carry inline: real cosign
# output over the examples' (made-up) digests, signed with the example keys, then embedded
# into the examples by apply.mjs. Run from anywhere: examples/signing/sign.sh (needs
# .tools/bin/cosign, from `make test-tools`, and jq). See README.md here.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=../..
COSIGN=${COSIGN:-$ROOT/.tools/bin/cosign}
# The example keys have an empty password (cosign generate-key-pair with COSIGN_PASSWORD='').
export COSIGN_PASSWORD='' COSIGN_YES=true
RELEASE=$ROOT/test/fixtures/sigstore/release-test.key   # trust policy: payments-release-key (all roles)
BUILD=../keys/example-build.key                          # trust policy: example-build-key (provenance, evidence)
CI=../keys/example-ci.key                                # trust policy: payments-ci-provenance-key (provenance)
UNTRUSTED=../keys/untrusted.key                          # in no trust policy, and no verification key of dfw

D4=sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b
D9=sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b

# An image signature as a pipeline passes it along: cosign's simple-signing payload for the
# digest (`cosign generate`, offline for a digest reference) and the signature over it
# (`cosign sign-blob`, the same bytes `cosign sign` signs), both base64.
sign_image() { # out image@digest key
  local payload sig
  payload=$(mktemp) sig=$(mktemp)
  "$COSIGN" generate "$2" > "$payload"
  "$COSIGN" sign-blob --key "$3" --tlog-upload=false "$payload" > "$sig" 2>/dev/null
  jq -n --rawfile p "$payload" --rawfile s "$sig" '{payload: ($p | @base64), signature: ($s | rtrimstr("\n"))}' > "$1"
  rm -f "$payload" "$sig"
}

# An attestation: the in-toto statement in statements/, signed into a DSSE envelope
# (`cosign attest-blob --output-signature` writes the envelope).
attest() { # out statement key
  "$COSIGN" attest-blob --key "$3" --tlog-upload=false --statement "$2" --output-signature "$1" 2>/dev/null
  jq . "$1" > "$1.tmp" && mv "$1.tmp" "$1"
}

sign_image signature-payments-api-4f1c.json registry.example.com/payments/api@$D4 "$RELEASE"
sign_image signature-sandbox-api-4f1c.json registry.example.com/sandbox/api@$D4 "$RELEASE"
sign_image signature-payments-api-9a8b.json registry.example.com/payments/api@$D9 "$RELEASE"
sign_image signature-payments-api-4f1c-untrusted-key.json registry.example.com/payments/api@$D4 "$UNTRUSTED"
attest provenance-payments-api-4f1c.json statements/payments-api-4f1c.json "$BUILD"
attest provenance-sandbox-api-4f1c.json statements/sandbox-api-4f1c.json "$BUILD"
attest provenance-payments-api-9a8b.json statements/payments-api-9a8b.json "$BUILD"
attest provenance-payments-api-4f1c-other-commit.json statements/payments-api-4f1c-other-commit.json "$BUILD"
attest provenance-payments-api-4f1c-ci-key.json statements/payments-api-4f1c-ci.json "$CI"
# The build key claiming to be slsa-github-generator (DFW-PROV-001: only the generator's own
# keyless identity may claim its builder id).
attest provenance-payments-api-4f1c-build-key-claims-generator.json statements/payments-api-4f1c-claims-slsa-github-generator.json "$BUILD"
# The same provenance as a Sigstore bundle (tests: only the Node host verifies bundles).
"$COSIGN" attest-blob --key "$BUILD" --tlog-upload=false --statement statements/payments-api-4f1c.json \
  --new-bundle-format --bundle bundle-provenance-payments-api-4f1c.json >/dev/null 2>&1
jq . bundle-provenance-payments-api-4f1c.json > bundle.tmp && mv bundle.tmp bundle-provenance-payments-api-4f1c.json

node apply.mjs
