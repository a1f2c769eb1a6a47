// One deployment check: request -> input document -> evaluation -> decision. The HTTP
// route, the CLI and the integrations all go through here, so they decide alike.
import { v7 as uuidv7 } from 'uuid';
import { buildInput, type CheckRequest, type Via } from '../collect/check-request.js';
import type { ActivePolicy, Decision, InputDocument } from '../engine/index.js';
import { ApiError } from './errors.js';

export interface CheckContext {
  via: Via;
  /** The authenticated caller's name. */
  caller?: string;
}

export interface CheckOutcome {
  decision: Decision;
  input: InputDocument;
}

export interface CheckService {
  check(request: CheckRequest, context: CheckContext): Promise<CheckOutcome>;
}

export function createCheckService(policy: ActivePolicy): CheckService {
  return {
    async check(request, context) {
      const evaluator = policy.current();
      if (!evaluator) throw new ApiError(503, 'no_bundle', 'no verified policy bundle is loaded; nothing can be allowed until one is');
      const id = uuidv7();
      const started = performance.now();
      const input = buildInput(request, { id, via: context.via });
      const collectMs = performance.now() - started;
      const decision = evaluator.evaluate(input, { decisionId: id });
      decision.timing_ms = { collect: Math.round(collectMs * 1000) / 1000, ...decision.timing_ms };
      return { decision, input };
    },
  };
}
