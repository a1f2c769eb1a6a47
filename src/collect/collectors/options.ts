// Option checks every collector factory shares, so that a bad value in dfw.yaml stops
// startup with the key's name instead of misbehaving on the first request.
import type { EvidenceKind } from '../../evidence/types.js';
import type { CheckRequest } from '../check-request.js';
import { CollectorConfigError } from './http.js';

/** `value` when it is an integer >= `minimum`, the default when it is absent. */
export function positiveInteger(value: number | undefined, fallback: number, key: string, minimum = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) throw new CollectorConfigError(`${key}: must be an integer >= ${minimum}, not ${String(value)}`);
  return value;
}

/** A regular expression from configuration text, anchored by the text itself. */
export function configPattern(value: string | undefined, fallback: RegExp, key: string): RegExp {
  if (value === undefined) return fallback;
  try {
    return new RegExp(value);
  } catch (err) {
    throw new CollectorConfigError(`${key}: "${value}" is not a regular expression: ${(err as Error).message}`);
  }
}

/**
 * True when the request brings every kind inline: inline evidence wins over collectors
 * (run-collectors.ts), so asking the source would be wasted.
 */
export function allInline(request: CheckRequest, kinds: readonly EvidenceKind[]): boolean {
  const inline = request.evidence ?? {};
  return kinds.every((kind) => kind in inline);
}
