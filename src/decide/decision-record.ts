// Builds the log record of a decision from what the check had in hand: the decision, the
// input document it was evaluated on, and who asked how.
import type { Decision, InputDocument } from '../engine/index.js';
import type { NewDecisionRecord } from '../store/types.js';

export interface DecisionContext {
  caller: string;
  via: string;
  dry_run?: boolean;
  /** JSON.stringify(input), when the caller wrote it already (NewDecisionRecord.input_json). */
  input_json?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The record for `recordDecision`. The request time, application, service and environment
 * come from `input.request`, the digest from `input.artifact`; the store masks the input.
 */
export function decisionRecordFrom(decision: Decision, input: InputDocument, context: DecisionContext): NewDecisionRecord {
  const request = (input.request ?? {}) as Record<string, unknown>;
  const artifact = (typeof input.artifact === 'object' && input.artifact !== null ? input.artifact : {}) as Record<string, unknown>;
  const service = text(request.service);
  const digest = text(artifact.digest);
  return {
    decision_id: decision.decision_id,
    time: text(request.time) ?? decision.evaluated_at,
    application: text(request.application) ?? 'unknown',
    ...(service ? { service } : {}),
    environment: text(request.environment) ?? decision.environment,
    ...(digest ? { artifact_digest: digest } : {}),
    allow: decision.allow,
    deny: decision.deny,
    warn: decision.warn,
    waived: decision.waived,
    bundle: decision.bundle,
    timing_ms: decision.timing_ms,
    caller: context.caller,
    via: context.via,
    dry_run: context.dry_run === true,
    input,
    decision,
    ...(context.input_json !== undefined ? { input_json: context.input_json } : {}),
  };
}
