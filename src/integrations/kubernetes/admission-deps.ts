// What deciding an AdmissionReview needs from the server: the check service, the log, and
// how a namespace maps to an environment. Its own file so review.ts and image-check.ts both
// depend on it instead of on each other.
import type { CheckService } from '../../decide/index.js';
import type { Logger } from '../../shared/logger.js';
import type { SummaryVerifier } from '../../collect/trust/verification-summary.js';
import type { EnvironmentFor, NamespaceLabelLookup } from './environment.js';

export interface AdmissionDeps {
  checks: CheckService;
  logger: Logger;
  /** namespace (and its labels, when a lookup is configured) -> environment; undefined denies. */
  environmentFor: EnvironmentFor;
  /** Reads a namespace's labels, for the `dfw.io/environment` label; a failure is logged and treated as no labels. */
  namespaceLabels?: NamespaceLabelLookup;
  /** Tag -> digest from the registry, so that what is checked is what runs. */
  resolveDigest?: (image: string) => Promise<string | undefined>;
  /** Admits on a dfw verification summary for the digest and environment (admit_on_summary). */
  verifySummary?: SummaryVerifier;
  /**
   * How long a review's checks may run before they are abandoned (a record already in flight
   * then gets review.ts's RECORD_WAIT_MS more); the API server's ?timeout= can only shorten it.
   */
  timeoutMs?: number;
  /** On UPDATE, re-evaluate images the old object already ran too (default: only images new in this update). */
  recheckUnchangedImages?: boolean;
}
