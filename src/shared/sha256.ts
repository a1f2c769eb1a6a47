// Hex digests with Web Crypto, so the engine, the edge runtime and Node share one helper.

/** Hex digest of `data` (text is hashed as UTF-8) with a Web Crypto algorithm name. */
export async function digestHex(algorithm: string, data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const hash = await crypto.subtle.digest(algorithm, bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hex SHA-256 of `data`. */
export function sha256Hex(data: string | Uint8Array): Promise<string> {
  return digestHex('SHA-256', data);
}
