// Opaque page cursors: the (time, id) of the last row handed out, as base64url JSON. A
// keyset, not an offset, so rows inserted while someone pages cause no duplicate or gap.
import { InvalidCursorError } from './errors.js';

export interface Keyset {
  time: number;
  id: string;
}

export function encodeCursor(key: Keyset): string {
  return Buffer.from(JSON.stringify([key.time, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Keyset {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { time: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    /* reported below */
  }
  throw new InvalidCursorError();
}
