// attestation.attach: dfw pushes the verification summary of each allowed (not dry-run)
// deployment to the image's registry in cosign's layout — one
// `application/vnd.dsse.envelope.v1+json` layer per attestation in the manifest tagged
// `sha256-<hex>.att`, annotated with its predicateType — so that `cosign verify-attestation
// --type https://slsa.dev/verification_summary/v1 --key dfw.pub` and the admission webhook's
// admit_on_summary find it. Attaching happens after the answer; a failure is logged, never
// turned into a denial.
import { createHash } from 'node:crypto';
import { endpointsFrom, type RegistryCollectorConfig } from '../collect/collectors/registry.js';
import { RegistryAuth, type RegistryEndpoint, type TokenCache } from '../collect/collectors/registry-auth.js';
import type { Logger } from '../shared/logger.js';
import { VSA_PREDICATE_TYPE, verifiedDecisionOf, type AttestationSigner, type DsseEnvelope } from './attestation.js';
import type { CheckService } from './check-service.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DSSE_LAYER = 'application/vnd.dsse.envelope.v1+json';
const EMPTY_CONFIG = Buffer.from('{}');

interface Descriptor {
  mediaType: string;
  size: number;
  digest: string;
  annotations?: Record<string, string>;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

class RegistryWriter {
  private readonly auth: RegistryAuth;
  constructor(
    private readonly endpoint: RegistryEndpoint,
    private readonly repository: string,
    signal: AbortSignal,
    tokens: TokenCache,
  ) {
    this.auth = new RegistryAuth(endpoint, repository, `registry ${endpoint.host}`, signal, tokens);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const go = () => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(this.auth.header ? { authorization: this.auth.header } : {}) } });
    const response = await go();
    if (response.status !== 401 || !(await this.auth.answer(response))) return response;
    await response.body?.cancel();
    return go();
  }

  private url(path: string): string {
    return `${this.endpoint.baseUrl}/v2/${this.repository}${path}`;
  }

  async putBlob(bytes: Buffer): Promise<string> {
    const digest = sha256(bytes);
    const head = await this.send(this.url(`/blobs/${digest}`), { method: 'HEAD' });
    if (head.ok) return digest;
    const start = await this.send(this.url('/blobs/uploads/'), { method: 'POST' });
    if (start.status !== 202) throw new Error(`registry ${this.endpoint.host} answered ${start.status} to starting an upload`);
    const location = new URL(start.headers.get('location') ?? '', this.endpoint.baseUrl);
    location.searchParams.set('digest', digest);
    const put = await this.send(location.href, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`registry ${this.endpoint.host} answered ${put.status} to an upload`);
    return digest;
  }

  async manifest(tag: string): Promise<{ layers?: Descriptor[] } | undefined> {
    const res = await this.send(this.url(`/manifests/${tag}`), { headers: { accept: OCI_MANIFEST } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`registry ${this.endpoint.host} answered ${res.status} for ${tag}`);
    return (await res.json()) as { layers?: Descriptor[] };
  }

  async putManifest(tag: string, manifest: unknown): Promise<void> {
    const res = await this.send(this.url(`/manifests/${tag}`), { method: 'PUT', body: JSON.stringify(manifest), headers: { 'content-type': OCI_MANIFEST } });
    if (res.status !== 201) throw new Error(`registry ${this.endpoint.host} answered ${res.status} to the manifest ${tag}`);
  }
}

/** Pushes one envelope as a layer of the digest's `.att` manifest, keeping the layers already there. */
export async function attachEnvelope(endpoint: RegistryEndpoint, repository: string, digest: string, envelope: DsseEnvelope, tokens: TokenCache = new Map(), timeoutMs = 10_000): Promise<string> {
  const writer = new RegistryWriter(endpoint, repository, AbortSignal.timeout(timeoutMs), tokens);
  const layerBytes = Buffer.from(JSON.stringify(envelope));
  const layer: Descriptor = { mediaType: DSSE_LAYER, size: layerBytes.length, digest: await writer.putBlob(layerBytes), annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: VSA_PREDICATE_TYPE } };
  const config: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', size: EMPTY_CONFIG.length, digest: await writer.putBlob(EMPTY_CONFIG) };
  const tag = `${digest.replace(':', '-')}.att`;
  const existing = (await writer.manifest(tag))?.layers ?? [];
  const layers = [...existing.filter((l) => l.digest !== layer.digest), layer];
  await writer.putManifest(tag, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers });
  return `${endpoint.host}/${repository}:${tag}`;
}

/**
 * The check service, with each allowed, enforced decision's summary signed and attached to
 * its image in the background. Only registries in collectors.registry are written to.
 */
export function attachingSummaries(checks: CheckService, signer: AttestationSigner, registry: RegistryCollectorConfig, logger: Logger): CheckService & { idle(): Promise<void> } {
  const endpoints = endpointsFrom(registry);
  const tokens: TokenCache = new Map();
  const pending = new Set<Promise<void>>();
  return {
    async check(request, context) {
      const outcome = await checks.check(request, context);
      const artifact = (outcome.input.artifact ?? {}) as { registry?: string; repository?: string; digest?: string };
      const endpoint = artifact.registry ? endpoints.get(artifact.registry.toLowerCase()) : undefined;
      // A decision that a summary vouched for judged only the pod spec and the freeze
      // calendar: summarizing it would renew the old summary's age without judging the
      // pipeline's evidence again.
      const vouched = outcome.input.verification_summary !== undefined;
      if (outcome.decision.allow && !context.dryRun && !vouched && endpoint && artifact.repository && artifact.digest) {
        const decision = outcome.decision;
        const { repository, digest } = artifact;
        // Signed in the job: the decision is recorded and answered whatever happens here (a
        // digest a VSA cannot name, such as sha512, is refused by buildVerificationSummary).
        const job = Promise.resolve()
          .then(() => signer.sign(verifiedDecisionOf({ decision_id: decision.decision_id, allow: true, environment: decision.environment, time: decision.evaluated_at, bundle: decision.bundle, input: outcome.input })))
          .then((envelope) => attachEnvelope(endpoint, repository, digest, envelope, tokens))
          .then((where) => logger.info('verification summary attached', { decision_id: decision.decision_id, where }))
          .catch((err: Error) => logger.warn('verification summary not attached', { decision_id: decision.decision_id, error: err.message }))
          .finally(() => pending.delete(job));
        pending.add(job);
      }
      return outcome;
    },
    /** Resolves once every attachment started so far has finished (tests, shutdown). */
    async idle() {
      await Promise.all([...pending]);
    },
  };
}
