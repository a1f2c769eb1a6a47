// The bundle server's revisions on disk: <publish.dir>/<name>/<sha256>.tar.gz holds each
// kept archive exactly as published, <name>/index.json the publish order and which one is
// active. Every write is a temp file + rename, archives before the index that names them.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { RevisionIndex, RevisionStore } from './revisions.js';

const INDEX_FILE = 'index.json';
const DIGEST = /^[0-9a-f]{64}$/;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export function createDiskRevisionStore(dir: string): RevisionStore {
  const bundlePath = (name: string, digest: string) => {
    if (!DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
    return join(dir, name, `${digest}.tar.gz`);
  };
  return {
    location: dir,
    async names() {
      try {
        const entries = await readdir(dir, { withFileTypes: true });
        return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
    },
    async readIndex(name) {
      let text: string;
      try {
        text = await readFile(join(dir, name, INDEX_FILE), 'utf8');
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      const index = JSON.parse(text) as RevisionIndex;
      if (!index || !Array.isArray(index.revisions)) throw new Error(`${join(dir, name, INDEX_FILE)} is not a revision index`);
      return index;
    },
    async writeIndex(index) {
      await writeFileAtomic(join(dir, index.name, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
    },
    async readBundle(name, digest) {
      return new Uint8Array(await readFile(bundlePath(name, digest)));
    },
    async writeBundle(name, digest, bytes) {
      await writeFileAtomic(bundlePath(name, digest), bytes);
    },
    async removeBundle(name, digest) {
      await rm(bundlePath(name, digest), { force: true });
    },
  };
}
