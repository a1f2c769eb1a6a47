// Rewrites a bundle .tar.gz file by file, to make tampered copies for refusal tests.
import { writeFileSync } from 'node:fs';
import { packTar, unpackTar } from 'modern-tar';
import { gunzip, gzip } from '../../src/shared/gzip.js';

export { gunzip, gzip };

/** The files of a bundle by name, as OPA wrote them (names may start with "/"). */
export async function unpackBundle(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const entries = await unpackTar(await gunzip(bytes));
  return new Map(entries.filter((e) => e.data).map((e) => [e.header.name, e.data!]));
}

export async function packBundle(files: Map<string, Uint8Array>): Promise<Uint8Array> {
  return gzip(await packTar([...files].map(([name, data]) => ({ header: { name, size: data.byteLength, type: 'file' as const }, body: data }))));
}

/** A copy of the bundle with `edit` applied to its files, written to `out`. */
export async function tamperBundle(bytes: Uint8Array, out: string, edit: (files: Map<string, Uint8Array>) => void): Promise<string> {
  const files = await unpackBundle(bytes);
  edit(files);
  writeFileSync(out, await packBundle(files));
  return out;
}

/** Finds a file whatever its leading slash. */
export function fileName(files: Map<string, Uint8Array>, name: string): string {
  const found = [...files.keys()].find((k) => k.replace(/^\/+/, '') === name);
  if (!found) throw new Error(`bundle has no ${name}`);
  return found;
}
