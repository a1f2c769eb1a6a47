// Reads a bundle .tar.gz into memory with hard limits, refusing archives that could
// escape a directory, shadow a file or exhaust memory. gzip through the Web-standard
// DecompressionStream and tar through modern-tar: both run in Node, browsers and Workers.
import { createTarDecoder } from 'modern-tar';
import { BundleError } from '../errors.js';

export interface ArchiveLimits {
  /** Largest decompressed archive accepted, in bytes. */
  maxTotalBytes: number;
  /** Largest single file accepted, in bytes. */
  maxEntryBytes: number;
  /** Most files accepted. */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxTotalBytes: 256 * 1024 * 1024,
  maxEntryBytes: 128 * 1024 * 1024,
  maxEntries: 10_000,
};

/** Files of the archive by normalized path (no leading slash), in archive order. */
export type ArchiveFiles = Map<string, Uint8Array>;

/**
 * OPA writes names with a leading slash ("/data.json"); signatures name them without it.
 * Anything that could resolve outside the bundle is refused rather than cleaned up, so
 * that a crafted archive is reported instead of silently reinterpreted.
 */
export function normalizeEntryName(raw: string): string {
  const name = raw.replace(/^\/+/, '').replace(/^\.\//, '');
  const problem =
    name === '' ? 'an empty name' :
    name.includes('\0') ? 'a NUL byte' :
    name.includes('\\') ? 'a backslash' :
    /^[A-Za-z]:/.test(name) ? 'a drive letter' :
    name.split('/').some((part) => part === '..') ? 'a ".." segment (path traversal)' :
    name.split('/').some((part) => part === '' || part === '.') ? 'an empty or "." segment' :
    undefined;
  if (problem) throw new BundleError('bundle_entry_name', `bundle entry "${raw}" is refused: its name has ${problem}`);
  return name;
}

function limitBytes(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        controller.error(new BundleError('bundle_too_large', `bundle is larger than ${limit} bytes when decompressed`));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

async function readAll(body: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    out.set(chunk.subarray(0, Math.max(0, size - at)), at);
    at += chunk.byteLength;
  }
  return at === size ? out : out.subarray(0, Math.min(at, size));
}

/** Decompresses and untars a bundle, enforcing `limits`. */
export async function readArchive(bytes: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<ArchiveFiles> {
  if (bytes.byteLength < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new BundleError('bundle_not_gzip', 'bundle is not a gzip file (expected a .tar.gz as opa build writes it)');
  }
  const files: ArchiveFiles = new Map();
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const entries = source
    .pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
    .pipeThrough(limitBytes(limits.maxTotalBytes))
    .pipeThrough(createTarDecoder({ strict: true }));
  try {
    for await (const entry of entries as unknown as AsyncIterable<{ header: { name: string; size: number; type?: string }; body: ReadableStream<Uint8Array> }>) {
      const { header } = entry;
      const type = header.type ?? 'file';
      if (type === 'directory') {
        // A directory carries nothing, but a crafted name is reported all the same.
        const directory = header.name.replace(/\/+$/, '');
        if (directory !== '' && directory !== '.') normalizeEntryName(directory);
        await entry.body.cancel();
        continue;
      }
      if (type !== 'file') {
        throw new BundleError('bundle_entry_type', `bundle entry "${header.name}" is a ${type}; only regular files are accepted`);
      }
      const name = normalizeEntryName(header.name);
      if (files.has(name)) throw new BundleError('bundle_duplicate_entry', `bundle has two entries named "${name}"`);
      if (header.size > limits.maxEntryBytes) {
        throw new BundleError('bundle_entry_too_large', `bundle entry "${name}" is ${header.size} bytes; the limit is ${limits.maxEntryBytes}`);
      }
      if (files.size >= limits.maxEntries) {
        throw new BundleError('bundle_too_many_entries', `bundle has more than ${limits.maxEntries} files`);
      }
      files.set(name, await readAll(entry.body, header.size));
    }
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError('bundle_unreadable', `bundle archive cannot be read: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  return files;
}
