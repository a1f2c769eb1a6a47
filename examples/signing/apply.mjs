// Embeds the material sign.sh wrote into examples/*.json: every example carries the
// signature and provenance of its image, and the few about supply-chain trust carry what
// their name says (README.md here lists which).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const examples = join(here, '..');
const material = (name) => JSON.parse(readFileSync(join(here, `${name}.json`), 'utf8'));

const STANDARD = { signatures: ['signature-payments-api-4f1c'], attestations: ['provenance-payments-api-4f1c'] };
const SPECIAL = {
  // DFW-REGISTRY-001: an image from registry.example.com/sandbox/, signed like any other.
  'dfw-registry-001-registry.deny.json': { signatures: ['signature-sandbox-api-4f1c'], attestations: ['provenance-sandbox-api-4f1c'] },
  // DFW-CLOUD-001: the older 1.4.2, digest sha256:9a8b…, signed and attested as it was built.
  'dfw-cloud-001-latest-version.warn.json': { signatures: ['signature-payments-api-9a8b'], attestations: ['provenance-payments-api-9a8b'] },
  // DFW-SIGN-001: the release key's signature of another digest (copied from 1.4.2), and a
  // signature by a key dfw does not hold; the build key's provenance does not approve images.
  'dfw-sign-001-image-signature.deny.json': {
    signatures: ['signature-payments-api-9a8b', 'signature-payments-api-4f1c-untrusted-key'],
    attestations: ['provenance-payments-api-4f1c'],
  },
  // DFW-PROV-001: verified provenance, but of a build from another commit.
  'dfw-prov-001-provenance.deny.json': { signatures: ['signature-payments-api-4f1c'], attestations: ['provenance-payments-api-4f1c-other-commit'] },
  // DFW-PROV-001: the build key's provenance claiming slsa-github-generator's builder id,
  // which only the generator's own keyless identity may claim: no build level is credited.
  'dfw-prov-001-builder-identity.deny.json': { signatures: ['signature-payments-api-4f1c'], attestations: ['provenance-payments-api-4f1c-build-key-claims-generator'] },
  // DFW-SIGN-002: provenance signed by CI's key (of CI's own builder, which the trust policy
  // credits to that key), trusted for provenance but not as evidence.
  'dfw-sign-002-signed-evidence.deny.json': { signatures: ['signature-payments-api-4f1c'], attestations: ['provenance-payments-api-4f1c-ci-key'] },
};

for (const file of readdirSync(examples).filter((f) => f.endsWith('.json')).sort()) {
  const path = join(examples, file);
  const request = JSON.parse(readFileSync(path, 'utf8'));
  const chosen = SPECIAL[file] ?? STANDARD;
  request.evidence.signatures = chosen.signatures.map(material);
  request.evidence.attestations = chosen.attestations.map(material);
  writeFileSync(path, `${JSON.stringify(request, null, 2)}\n`);
}
