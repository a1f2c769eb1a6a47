// X-Hub-Signature-256: GitHub signs the raw delivery body with HMAC-SHA256 under the
// webhook secret and sends "sha256=" + the lower-case hex digest ("Validating webhook
// deliveries", docs.github.com). Checked over the exact bytes received, never re-serialized
// JSON, and compared in constant time. Web Crypto only, so it runs on any runtime.

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;
const encoder = new TextEncoder();

async function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Equal-length byte arrays compared without an early exit, so the time taken does not say
 * how many leading bytes matched. The lengths themselves are public (always 32 here).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Verifies X-Hub-Signature-256 values against one webhook secret; the key is imported once. */
export interface WebhookVerifier {
  verify(body: Uint8Array<ArrayBuffer>, header: string | undefined): Promise<boolean>;
}

export function createWebhookVerifier(secret: string): WebhookVerifier {
  if (!secret) throw new TypeError('the GitHub webhook secret is empty; a delivery could not be told from a forgery');
  const key = importHmacKey(secret);
  return {
    async verify(body, header) {
      if (!header || !header.startsWith(PREFIX)) return false;
      const hex = header.slice(PREFIX.length).trim();
      if (!HEX_DIGEST.test(hex)) return false;
      const expected = new Uint8Array(await crypto.subtle.sign('HMAC', await key, body));
      return timingSafeEqual(expected, hexToBytes(hex));
    },
  };
}

/** The X-Hub-Signature-256 value GitHub would send for `body`; for tests and replay tools. */
export async function signWebhookBody(secret: string, body: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const mac = await crypto.subtle.sign('HMAC', await importHmacKey(secret), bytes);
  return PREFIX + bytesToHex(new Uint8Array(mac));
}
