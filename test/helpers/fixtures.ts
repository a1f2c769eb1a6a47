// Where the real sample files live: $DFW_FIXTURES; else ../shared/fixtures beside the
// checkout (as CI lays it out); else beside the repository this one was cloned from, so a
// `git clone . /tmp/fresh` of a working checkout finds them too. The files are public
// samples whose licences were not checked for redistribution, so they are not copied here.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ROOT } from './opa.js';

function besideOrigin(): string | undefined {
  try {
    const origin = execFileSync('git', ['-C', ROOT, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    return isAbsolute(origin) ? join(origin, '../shared/fixtures') : undefined; // a local clone only
  } catch {
    return undefined; // not a git checkout, or no origin
  }
}

function findFixtures(): string {
  const beside = join(ROOT, '../shared/fixtures');
  if (existsSync(beside)) return beside;
  const fromOrigin = besideOrigin();
  return fromOrigin && existsSync(fromOrigin) ? fromOrigin : beside; // the missing path names what to provide
}

export const SHARED_FIXTURES = process.env.DFW_FIXTURES ?? findFixtures();
