// The public keys the embedded defaults verify signatures with when dfw.yaml configures no
// `collectors.signatures`: the example release key (private key test/fixtures/sigstore/
// release-test.key), the example build key and the example CI key (examples/keys/). Their
// private keys are public, so only the example trust policy (rego/firewall/config/data.yaml)
// trusts them, and only for the made-up registry.example.com/: they make examples/*.json
// verifiable, nothing more. Holding a key is not trusting it: the bundle's trust: decides.
export const EXAMPLE_VERIFICATION_KEYS: readonly string[] = [
  `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3oOgeTGy6S2jrRnHV3lHp//h+BNu
tNXSNlx2uOrDqDckFUko6S2EW5fn9wg7gydy6cAno9n3xVnAfvkTU9dI6A==
-----END PUBLIC KEY-----
`,
  `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1cN1ldbtzOfioRV3Sj6r5aSYUPu4
P02nagHp7/q1b8DZikLreMpCZX5wQMbtrJfQiKFF83f2K+241eHpm57D7w==
-----END PUBLIC KEY-----
`,
  `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEsMojUCfBlHZYMX14bImp3WXqBIVF
3jFh4cCNRUzQuhaPBy7TTJoI+YmSqGahA+aSIGu40LhKt7STwrHTgrwzUQ==
-----END PUBLIC KEY-----
`,
];
