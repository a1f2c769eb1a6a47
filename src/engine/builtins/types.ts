// The calling convention between the Wasm SDK and a host builtin.

/**
 * A host builtin receives its arguments as JSON values (the SDK dumps them from Wasm
 * memory with JSON.parse) and returns:
 * - a JSON-compatible value;
 * - `undefined` when OPA's builtin would fail: OPA (without strict builtin errors) makes a
 *   failing builtin call undefined, and the SDK turns `undefined` into an undefined value;
 * - an ArrayBuffer holding JSON text (see rawJson) when a JavaScript number cannot carry
 *   the value exactly, e.g. nanosecond timestamps beyond 2^53.
 */
export type HostBuiltin = (...args: unknown[]) => unknown;

/** JSON text handed to the SDK as-is, so integers keep every digit. */
export function rawJson(text: string): ArrayBuffer {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
