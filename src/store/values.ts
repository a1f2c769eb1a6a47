// Conversions between the store's API values and its columns: instants are stored as
// epoch milliseconds (BIGINT), so both databases order and compare them the same way.
import { StoreInputError } from './errors.js';
import type { Instant } from './types.js';

/** Epoch milliseconds of an instant; throws StoreInputError naming the field when unusable. */
export function toMillis(value: Instant, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new StoreInputError(`${field} is not a valid time: ${String(value)}`);
  return ms;
}

/** A BIGINT column: pg returns it as a string, better-sqlite3 as a number. */
export function fromBigint(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function isoFromColumn(value: unknown): string {
  return new Date(fromBigint(value)).toISOString();
}

/** A BOOLEAN column: pg returns a boolean, SQLite 0 or 1. */
export function fromBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n;
}

export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new StoreInputError(`${field} must be a non-empty string`);
  return withoutNul(value, field);
}

export function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new StoreInputError(`${field} must be a string`);
  return withoutNul(value, field);
}

/** PostgreSQL text cannot hold U+0000 and SQLite can: refusing it keeps both stores alike. */
function withoutNul(value: string, field: string): string {
  if (value.includes('\u0000')) throw new StoreInputError(`${field} contains a NUL character (U+0000)`);
  return value;
}

/** Copies `key: value` into `target` only when the column is not NULL. */
export function setIfPresent<T extends object, K extends keyof T>(target: T, key: K, value: unknown): void {
  if (value !== null && value !== undefined) target[key] = value as T[K];
}
