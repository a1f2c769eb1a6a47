// `dfw check --attest <file>`: writes dfw's signed verdict (a SLSA VSA in a DSSE envelope,
// src/decide/attestation.ts) for an allowed deployment — signed here with --attest-key when
// deciding locally, fetched from the server (GET /v1/decisions/{id}/attestation) otherwise.
import { writeFileSync } from 'node:fs';
import type { CheckRequest } from '../../collect/check-request.js';
import { parseImageReference } from '../../collect/image-reference.js';
import type { DsseEnvelope } from '../../decide/attestation.js';
import type { Decision } from '../../engine/index.js';
import { CliError } from '../exit-codes.js';
import { callServer } from '../server-client.js';

export interface AttestOptions {
  attest?: string;
  attestKey?: string;
  server?: string;
  token?: string;
  timeout: number;
}

function artifactOf(request: CheckRequest): { image: string; registry?: string; repository?: string; digest?: string } {
  const image = request.artifact.image;
  try {
    const ref = parseImageReference(image);
    return { image, registry: ref.registry, repository: ref.repository, ...(request.artifact.digest ?? ref.digest ? { digest: request.artifact.digest ?? ref.digest } : {}) };
  } catch {
    return { image, ...(request.artifact.digest ? { digest: request.artifact.digest } : {}) };
  }
}

/** Writes the VSA for an allowed decision; says on stderr why there is none for a denial. */
export async function writeAttestation(decision: Decision, request: CheckRequest, options: AttestOptions): Promise<void> {
  if (!options.attest) return;
  if (!decision.allow) {
    process.stderr.write(`no attestation written to ${options.attest}: the deployment was denied\n`);
    return;
  }
  let envelope: DsseEnvelope;
  if (options.server) {
    const token = options.token ?? process.env.DFW_TOKEN;
    const server = { server: options.server, timeout: options.timeout, ...(token ? { token } : {}) };
    ({ body: envelope } = await callServer<DsseEnvelope>(server, 'GET', `/v1/decisions/${encodeURIComponent(decision.decision_id)}/attestation`));
  } else {
    const key = options.attestKey ?? process.env.DFW_ATTESTATION_KEY;
    if (!key) throw new CliError('--attest needs --attest-key <private key PEM> (or DFW_ATTESTATION_KEY) to sign when deciding locally');
    // The signer (Sigstore's DSSE code) loads only for a local --attest (cli/main.ts).
    const { loadAttestationSigner } = await import('../../host/attestation-signer.js');
    envelope = loadAttestationSigner(key).sign({
      decision_id: decision.decision_id,
      allow: decision.allow,
      environment: decision.environment,
      time: decision.evaluated_at,
      bundle: decision.bundle,
      artifact: artifactOf(request),
    });
  }
  writeFileSync(options.attest, `${JSON.stringify(envelope)}\n`);
}
