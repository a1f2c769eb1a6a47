// The edge evaluator's last good bundle on disk (bundle.cache_dir): the archive bytes as
// downloaded and verified, plus the ETag and URL they came from. An evaluator restarted
// while the bundle server is away starts from here — after verifying the bytes again.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { CachedBundle, LastGoodCache } from './poller.js';

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export function createDiskCache(dir: string, name: string): LastGoodCache {
  const archive = join(dir, `${name}.tar.gz`);
  const meta = join(dir, `${name}.json`);
  return {
    location: archive,
    async read() {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(archive));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      let info: Partial<CachedBundle> = {};
      try {
        info = JSON.parse(await readFile(meta, 'utf8')) as Partial<CachedBundle>;
      } catch {
        /* the archive alone is enough; it is verified before use */
      }
      return { bytes, digest: info.digest ?? null, etag: info.etag ?? null, url: info.url ?? null, revision: info.revision ?? null };
    },
    async write(bundle) {
      // Archive first: the metadata names its digest, so a crash between the two renames
      // leaves metadata that no longer matches, and its ETag is then ignored.
      await writeFileAtomic(archive, bundle.bytes);
      const { bytes: _bytes, ...info } = bundle;
      await writeFileAtomic(meta, `${JSON.stringify({ ...info, saved_at: new Date().toISOString() }, null, 2)}\n`);
    },
  };
}
