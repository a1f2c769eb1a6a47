// What a check request says that the bundle cannot honour as written: an environment the
// bundle data does not configure (enforced as unknown_environment, production by default)
// and fields dfw does not know (kept under input.request.extra, read by no shipped rule).
// By default each becomes a warning in the decision; under environments.strict the
// request is refused, so a typo such as "prodution" never passes as a real environment.
// The field an integration adds to its own requests (`kubernetes`, `github`) is known when
// the check came through that integration (collect/check-request.ts).
import { isIntegrationField, type Via } from '../collect/check-request.js';
import { firewallConfig, type Decision, type Evaluator, type InputDocument } from '../engine/index.js';
import { formatFieldErrors, InvalidInputError, type FieldError } from '../shared/errors.js';

/** The request was refused under environments.strict; `fields` names each problem. */
export class StrictRequestError extends InvalidInputError {
  override name = 'StrictRequestError';
  constructor(fields: FieldError[]) {
    super('request_not_strict', `check request refused (environments.strict): ${formatFieldErrors(fields)}`, fields);
  }
}

/** The warnings for this input, or a StrictRequestError when `strict` and there are any. */
export function requestWarnings(evaluator: Evaluator, input: InputDocument, strict: boolean): string[] {
  const problems: FieldError[] = [];
  const warnings: string[] = [];
  const environment = String(input.request?.environment ?? '');
  const config = firewallConfig(evaluator.bundle);
  const configured = Object.keys(config.environments ?? {}).sort();
  // A bundle without environment settings has nothing to compare against.
  if (configured.length > 0 && !configured.includes(environment)) {
    problems.push({ field: 'environment', message: `"${environment}" is not configured in the bundle (configured: ${configured.join(', ')})` });
    warnings.push(`environment "${environment}" is not configured in the bundle; enforced as ${config.unknown_environment ?? 'production'}`);
  }
  const via = input.request?.via as Via;
  const extra = Object.keys((input.request?.extra ?? {}) as Record<string, unknown>).filter((field) => !isIntegrationField(via, field));
  for (const field of extra) {
    problems.push({ field, message: 'is not a check request field' });
    warnings.push(`unknown field "${field}" in the check request: no rule reads it (kept as input.request.extra.${field})`);
  }
  if (strict && problems.length) throw new StrictRequestError(problems);
  return warnings;
}

/** A decision with the request's warnings, when there are any. */
export type WarnedDecision = Decision & { warnings?: string[] };
