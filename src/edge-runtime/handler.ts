// The edge evaluator as one Web-standard fetch handler: it loads and verifies a signed
// bundle, then answers POST /v1/check (inline evidence only), /healthz and /readyz with the
// very hono app the Node server runs, so a browser, a Worker and Node decide alike.
import { createApp, type ApiToken } from '../api/index.js';
import { createCheckService, NoBundleError, type CheckService } from '../decide/index.js';
// The modules themselves, not collect's index: the edge bundle must not pull in Node drivers.
import { CollectorRunner } from '../collect/run-collectors.js';
import { EXAMPLE_VERIFICATION_KEYS } from '../collect/trust/example-keys.js';
import type { InlineVerifier } from '../collect/trust/inline.js';
import { KeyConfigError } from '../collect/trust/key-policy.js';
import { createWebInlineVerifier, type WebInlineVerifierOptions } from '../collect/trust/web-verify.js';
import { createLogger, type Logger } from '../shared/logger.js';
import {
  ActivePolicy,
  createEvaluator,
  describeThrown,
  loadBundle,
  type ArchiveLimits,
  type PolicyStatus,
  type TrustedKey,
  type VerificationConfig,
} from '../engine/index.js';
import { isUrlSource, readBundleSource, type BundleSource } from './bundle-source.js';
import { fixedCodeError } from '../shared/errors.js';

export interface EdgeHandlerOptions {
  /** The signed bundle: `{ url }` to download it, or `{ bytes }`. */
  bundle: BundleSource;
  /**
   * PEM public key (or certificate) the bundle must be signed with. Required: an edge
   * evaluator never runs an unsigned or unverified bundle.
   */
  publicKeyPem: string;
  /** The key's id; "default" is what `opa build --signing-key` names when given no claims file. */
  keyId?: string;
  /** JWS algorithm of the key; RS256 (OPA's default) unless given. */
  algorithm?: string;
  /** The signature scope the bundle must carry, as OPA's `scope`. */
  scope?: string;
  /** More trusted keys by id, e.g. the next signing key while keys rotate. */
  additionalKeys?: Record<string, TrustedKey>;
  /** Bundle name reported in decisions; "firewall" by default. */
  bundleName?: string;
  /**
   * PEM public keys inline signatures are verified with (cosign signatures and DSSE
   * envelopes, Web Crypto); the embedded example keys when absent. Which verified signer
   * counts is the bundle's trust policy (docs/supply-chain.md). Each must be a key the Node
   * host holds too (ECDSA P-256, RSA, Ed25519): another throws EdgeConfigError at creation.
   */
  signatureKeys?: readonly string[];
  /**
   * What `signatureKeys` is called in errors and in the reason when it is empty:
   * "signatureKeys" unless given; edgeOptionsFromSettings says DFW_SIGNATURE_KEYS.
   */
  signatureKeysSetting?: string;
  /**
   * A Sigstore trusted_root.json (its text, or parsed) keyless Sigstore bundles are verified
   * against with Web Crypto: Fulcio chain, SCTs, Rekor SET or inclusion proof. Without one,
   * keyless bundles are recorded unverified with that reason; key-based ones need only
   * `signatureKeys`.
   */
  trustedRoot?: string | object;
  /** What `trustedRoot` is called in the reason when there is none: the verifier's "trustedRoot" unless given; edgeOptionsFromSettings says DFW_TRUSTED_ROOT. */
  trustedRootSetting?: string;
  /** Signed certificate timestamps required per keyless certificate; 1 by default (as collectors.signatures.ctlog_threshold). */
  ctlogThreshold?: number;
  /** API tokens; without any, every route is open (fine inside a page, not on a public Worker). */
  tokens?: ApiToken[];
  /** The request time source, as createEvaluator's; tests and replays inject a fixed one. */
  clock?: () => Date;
  logger?: Logger;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Upper bound of the policy's Wasm memory. */
  maxMemoryBytes?: number;
  archiveLimits?: ArchiveLimits;
  /**
   * After a failed download or a refused bundle from a URL, requests wait this long before
   * the next attempt (30 s by default), so a broken server is not asked on every request.
   * Bytes are never retried: they would be refused again.
   */
  retryAfterMs?: number;
}

export interface EdgeHandler {
  /** Answers one request; loads the bundle first if that has not happened yet. */
  fetch(request: Request): Promise<Response>;
  /** Resolves with the status once a verified bundle is active; rejects with why it was refused. */
  ready(): Promise<PolicyStatus>;
  /**
   * Loads the bundle again (a new revision behind the same URL). A bundle that fails to
   * download or verify is refused and the active one stays; the promise then rejects.
   */
  reload(): Promise<PolicyStatus>;
  status(): PolicyStatus;
}

export const DEFAULT_RETRY_AFTER_MS = 30_000;

/** Options that cannot work are programming errors: they throw at creation, not per request. */
export class EdgeConfigError extends fixedCodeError('EdgeConfigError', 'edge_config_invalid', 'invalid_input') {}

function verificationOf(options: EdgeHandlerOptions): VerificationConfig {
  if (typeof options.publicKeyPem !== 'string' || options.publicKeyPem.trim() === '') {
    throw new EdgeConfigError('publicKeyPem is required: an edge evaluator only runs bundles whose signature it verified');
  }
  const key: TrustedKey = {
    key: options.publicKeyPem,
    ...(options.algorithm !== undefined ? { algorithm: options.algorithm } : {}),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
  };
  return {
    keys: { ...(options.additionalKeys ?? {}), [options.keyId ?? 'default']: key },
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
  };
}

/** A signature key the host would refuse is an option that cannot work: refused at creation, naming it. */
function inlineVerifierOf(keys: readonly string[], verifierOptions: WebInlineVerifierOptions): InlineVerifier {
  try {
    return createWebInlineVerifier(keys, verifierOptions);
  } catch (err) {
    if (err instanceof KeyConfigError) throw new EdgeConfigError(err.message, { cause: err });
    throw err;
  }
}

export function createEdgeHandler(options: EdgeHandlerOptions): EdgeHandler {
  if (!options.bundle || !(isUrlSource(options.bundle) || 'bytes' in options.bundle)) {
    throw new EdgeConfigError('bundle must be { url } or { bytes }');
  }
  const verification = verificationOf(options);
  const logger = options.logger ?? createLogger();
  const retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  const where = isUrlSource(options.bundle) ? String(options.bundle.url) : '(bytes)';
  const policy = new ActivePolicy();

  let attempt: Promise<void> | undefined;
  let lastFailure: { error: unknown; at: number } | undefined;

  const loadOnce = async (): Promise<void> => {
    try {
      const bytes = await readBundleSource(options.bundle);
      const bundle = await loadBundle(bytes, {
        name: options.bundleName ?? 'firewall',
        verification,
        ...(options.archiveLimits ? { limits: options.archiveLimits } : {}),
      });
      const evaluator = await createEvaluator(bundle, {
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.maxMemoryBytes !== undefined ? { maxMemoryBytes: options.maxMemoryBytes } : {}),
      });
      policy.activate(evaluator);
      lastFailure = undefined;
      logger.info('bundle loaded', { source: where, revision: bundle.manifest.revision, signed_by: bundle.signedBy });
    } catch (err) {
      const message = `bundle from ${where} refused: ${describeThrown(err)}`;
      policy.refuse(message);
      lastFailure = { error: err, at: Date.now() };
      logger.error('bundle refused', { source: where, code: (err as { code?: unknown })?.code, error: describeThrown(err) });
      throw err;
    }
  };

  /** One attempt at a time; callers arriving meanwhile share it. */
  const load = (): Promise<void> => (attempt ??= loadOnce().finally(() => (attempt = undefined)));

  const mayRetry = (): boolean => !lastFailure || (isUrlSource(options.bundle) && Date.now() - lastFailure.at >= retryAfterMs);

  /** Makes sure a load was tried; never throws (a request then meets the 503). */
  const ensureLoaded = async (): Promise<void> => {
    if (policy.current()) return;
    if (attempt) return attempt.catch(() => undefined);
    if (mayRetry()) await load().catch(() => undefined);
  };

  // The same check service as Node's; only the 503 says why no bundle is active.
  const verifierOptions = {
    ...(options.trustedRoot !== undefined ? { trustedRoot: options.trustedRoot } : {}),
    ...(options.ctlogThreshold !== undefined ? { ctlogThreshold: options.ctlogThreshold } : {}),
    keysSetting: options.signatureKeysSetting ?? 'signatureKeys',
    ...(options.trustedRootSetting !== undefined ? { trustedRootSetting: options.trustedRootSetting } : {}),
  };
  // Always this runner rather than the check service's default (the same example keys), so
  // that an unverified fact names the edge's own settings.
  const collectors = new CollectorRunner([], undefined, inlineVerifierOf(options.signatureKeys ?? EXAMPLE_VERIFICATION_KEYS, verifierOptions));
  const inner = createCheckService(policy, { collectors });
  const checks: CheckService = {
    async check(request, context) {
      if (!policy.current()) {
        const why = policy.status().last_error;
        throw new NoBundleError(why ?? undefined);
      }
      return inner.check(request, context);
    },
  };
  const app = createApp({
    policy,
    checks,
    logger,
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });

  return {
    async fetch(request) {
      // A liveness probe must not wait on a bundle download.
      if (new URL(request.url).pathname !== '/healthz') await ensureLoaded();
      return app.fetch(request);
    },
    async ready() {
      await ensureLoaded();
      if (policy.current()) return policy.status();
      throw lastFailure?.error ?? new Error('no verified policy bundle is loaded');
    },
    async reload() {
      await load();
      return policy.status();
    },
    status: () => policy.status(),
  };
}
