// The timed jobs (event scan, scheduled audit, pruning, retention) run in one process per
// database (src/host/timed-jobs.ts): on PostgreSQL the holder of the session lock "timed-jobs".
// - the lock itself, on real PostgreSQL sessions: one holder per name and schema, free again
//   when its session closes, when the server ends it and when its store closes;
// - in process: the jobs stop when the holder's session is ended and run in one holder again;
// - two `dfw serve` replicas on one PostgreSQL: one runs the jobs, and when it is killed
//   with SIGKILL the other takes over;
// - on SQLite the store has no lock and the process runs the jobs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { leadTimedJobs } from '../src/host/timed-jobs.js';
import { createLogger, createMemoryLogger } from '../src/shared/logger.js';
import { openStore, type LockSession, type Store } from '../src/store/index.js';
import { startDfw, type ServerProcess } from './helpers/cli.js';
import { startReceiver, waitFor } from './helpers/notify-server.js';
import { ROOT } from './helpers/opa.js';
import { openAt, pgbouncerUrl, postgresBackend, postgresUrl, sqliteBackend, type StoreBackend } from './helpers/store-backends.js';

const test = suite('timed jobs: one process per database');
const backends: StoreBackend[] = [];
test.after(async () => {
  for (const backend of backends) await backend.cleanup();
});
const fresh = (backend: () => StoreBackend) => {
  const b = backend();
  backends.push(b);
  return b.fresh();
};

/**
 * Ends, from outside dfw, the database session holding dfw's lock `name` in `schema`: a
 * two-part advisory key shows in pg_locks as classid and objid, with objsubid 2.
 */
async function terminateHolder(name: string, schema: string): Promise<number> {
  const admin = new pg.Client({ connectionString: postgresUrl() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = 6579831
          AND l.objid::bigint = (hashtext('dfw:' || $1 || ':' || $2)::bigint & 4294967295)
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [name, schema],
    );
    for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    return rows.length;
  } finally {
    await admin.end();
  }
}

test('the PostgreSQL lock: one holder per name and schema, free again when its session closes or the server ends it', async () => {
  const location = fresh(postgresBackend);
  const [a, b] = [await openAt(location), await openAt(location)];
  const other = await openAt(fresh(postgresBackend));
  const sessions: LockSession[] = [];
  const session = (store: Store, name = 'jobs') => {
    const created = store.lockSession!(name);
    sessions.push(created);
    return created;
  };
  try {
    const first = session(a);
    assert.is(await first.acquire(), true, 'the first session takes the lock');
    assert.is(await first.acquire(), true, 'and, asked again, proves it still holds it');
    assert.is(first.throughPooler(), false, 'a direct connection is no pooler');
    const second = session(b);
    assert.is(await second.acquire(), false, 'a second session on the same schema does not');
    assert.is(await session(b, 'other-jobs').acquire(), true, 'another name is another lock');
    assert.is(await session(other).acquire(), true, 'the same name in another schema is another lock');

    await first.close();
    assert.is(await second.acquire(), true, 'closed: the session asking next takes it');

    // The server ends the holder's session, as when its process dies or its connection drops.
    assert.is(await terminateHolder('jobs', location.options.schema!), 1, 'one session holds it');
    const why = await Promise.race([second.lost, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    assert.ok(why instanceof Error, 'the holder is told its lock is lost');
    assert.is(await second.acquire().then(() => 'held', () => 'refused'), 'refused', 'a lost session cannot be asked again');
    assert.is(await session(a).acquire(), true, 'free again');
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
    await Promise.all([a.close(), b.close(), other.close()]);
  }
});

test('behind PgBouncer in transaction mode the lock\'s session knows it, and the process that would run the jobs says so', async () => {
  const url = pgbouncerUrl();
  const stores = [await openStore(url), await openStore(url)];
  const loggers = stores.map(() => createMemoryLogger());
  const leaders = stores.map((store, i) => leadTimedJobs(store, { start: () => undefined, stop: () => undefined }, loggers[i]!, 100));
  const warned = (i: number) => loggers[i]!.lines.filter((l) => l.level === 'error' && String(l.msg).includes('goes through a connection pooler'));
  try {
    await waitFor('both to warn', () => warned(0).length > 0 && warned(1).length > 0);
    await new Promise((r) => setTimeout(r, 300)); // several asks: still one warning each
    assert.equal([warned(0).length, warned(1).length], [1, 1]);
    // What the warning is about: two sessions may share the one backend that holds the lock.
    const [a, b] = stores.map((s) => s.lockSession!('pooled-demo'));
    try {
      assert.is(await a!.acquire(), true);
      assert.ok(a!.throughPooler() && (await b!.acquire(), b!.throughPooler()));
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  } finally {
    await Promise.all(leaders.map((l) => l.stop()));
    await Promise.all(stores.map((s) => s.close()));
  }
});

test('closing the store ends its lock sessions', async () => {
  const location = fresh(postgresBackend);
  const [a, b] = [await openAt(location), await openAt(location)];
  try {
    assert.is(await a.lockSession!('jobs').acquire(), true);
    await a.close();
    assert.is(await b.lockSession!('jobs').acquire(), true, 'the closed store still holds the lock');
  } finally {
    await b.close();
  }
});

test('on SQLite there is no lock: the process runs the timed jobs at once', async () => {
  const store = await openAt(fresh(sqliteBackend));
  try {
    assert.is(store.lockSession, undefined);
    let started = 0;
    const leader = leadTimedJobs(store, { start: () => started++, stop: () => undefined }, createLogger('error'));
    assert.is(started, 1);
    assert.ok(leader.leading());
    await leader.stop();
  } finally {
    await store.close();
  }
});

test('in process: the jobs run in the one holder; they stop when its session is ended or it stops, and run in the other', async () => {
  const location = fresh(postgresBackend);
  const stores: Store[] = [await openAt(location), await openAt(location)];
  const running = [0, 0];
  const stops = [0, 0];
  // The design allows both to run the jobs for up to one interval (the old holder learns of
  // its lost session at its next check), so overlap is measured, not assumed away: on one
  // host the server's goodbye usually arrives before the lock is granted elsewhere, but
  // nothing orders the two sockets' reads in this one process.
  let overlapSince: number | undefined;
  let longestOverlapMs = 0;
  const counted = () => {
    const both = running[0]! + running[1]! > 1;
    if (both && overlapSince === undefined) overlapSince = performance.now();
    if (!both && overlapSince !== undefined) {
      longestOverlapMs = Math.max(longestOverlapMs, performance.now() - overlapSince);
      overlapSince = undefined;
    }
  };
  const leaders = stores.map((store, i) =>
    leadTimedJobs(
      store,
      {
        start: () => {
          running[i]!++;
          counted();
        },
        stop: () => {
          running[i]!--;
          stops[i]!++;
          counted();
        },
      },
      createLogger('error'),
      100,
    ),
  );
  const holder = () => (running[0] === 1 ? 0 : 1);
  try {
    await waitFor('one holder', () => running[0]! + running[1]! === 1);
    await new Promise((r) => setTimeout(r, 400)); // several asks by the other
    assert.is(running[0]! + running[1]!, 1, 'exactly one process runs the jobs');
    assert.ok(leaders[holder()]!.leading() && !leaders[1 - holder()]!.leading());

    // The server ends the holder's session: it stops its jobs, and one of the two (whichever
    // asks first) runs them again.
    const ended = holder();
    assert.is(await terminateHolder('timed-jobs', location.options.schema!), 1);
    await waitFor('the holder to stop its jobs', () => stops[ended] === 1);
    await waitFor('a holder again', () => running[0]! + running[1]! === 1);

    const first = holder();
    await leaders[first]!.stop();
    assert.is(running[first], 0, 'stopped with its leader');
    await waitFor('the other to take over', () => running[1 - first] === 1);
    assert.ok(leaders[1 - first]!.leading());
    assert.is(overlapSince, undefined, 'both still run the jobs');
    // One 100 ms interval by design; the rest is slack for a loaded machine.
    assert.ok(longestOverlapMs < 300, `both ran the jobs for ${longestOverlapMs.toFixed(0)} ms, far more than one 100 ms interval`);
  } finally {
    await Promise.all(leaders.map((l) => l.stop()));
    await Promise.all(stores.map((s) => s.close()));
  }
});

test('two dfw serve replicas on one PostgreSQL: one runs the timed jobs; killed with SIGKILL, the other takes over and runs them', async () => {
  const location = fresh(postgresBackend);
  const dir = mkdtempSync(join(tmpdir(), 'dfw-timed-jobs-'));
  const receiver = await startReceiver(() => 200);
  const secretFile = join(dir, 'siem.secret');
  writeFileSync(secretFile, 'siem-shared-secret\n');
  const config = join(dir, 'dfw.yaml');
  writeFileSync(
    config,
    [
      'bundle:',
      `  path: ${JSON.stringify(join(ROOT, 'bundles/firewall.tar.gz'))}`,
      'store:',
      `  url: ${JSON.stringify(location.url)}`,
      `  schema: ${location.options.schema}`,
      'notifications:',
      '  receivers:',
      `    - { name: siem, type: cloudevents, url: ${JSON.stringify(receiver.url)}, secret_file: ${JSON.stringify(secretFile)} }`,
      '  poll_interval_ms: 50',
      '',
    ].join('\n'),
  );
  const servers: ServerProcess[] = [];
  const runs = (s: ServerProcess) => s.logs.some((l) => l.includes('"msg":"timed jobs: this process runs them"'));
  const waits = (s: ServerProcess) => s.logs.some((l) => l.includes('"msg":"timed jobs: another process sharing the database runs them"'));
  try {
    servers.push(await startDfw(['--config', config]));
    await waitFor('the first replica to run the timed jobs', () => runs(servers[0]!));
    servers.push(await startDfw(['--config', config]));
    await waitFor('the second replica to stand by', () => waits(servers[1]!));
    await new Promise((r) => setTimeout(r, 6_000)); // past its next ask
    assert.not.ok(runs(servers[1]!), 'both replicas run the timed jobs');

    await servers[0]!.stop('SIGKILL');
    const killedAt = Date.now();
    // A waiver that ends in two days, made through the survivor. Its waiver.expiring event is
    // queued only by the event scan, a timed job: with the first replica dead, only a
    // survivor that took the jobs over can send it.
    const expiresAt = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const made = await fetch(`${servers[1]!.url}/v1/waivers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rule: 'DFW-VULN-001', application: 'payments', environment: 'production', reason: 'accepted risk', requested_by: 'carol', expires_at: expiresAt }),
    });
    assert.is(made.status, 201, await made.clone().text());
    const waiver = ((await made.json()) as { id: string }).id;
    await waitFor('the second replica to take over', () => runs(servers[1]!), 20_000);
    const tookOver = Date.now() - killedAt;
    const expiring = () =>
      receiver.received.some((r) => {
        const event = JSON.parse(r.body) as { type?: string; data?: { waiver?: { id?: string } } };
        return event.type === 'dev.dfw.waiver.expiring' && JSON.stringify(event.data).includes(waiver);
      });
    await waitFor('the waiver.expiring notification from the new holder\'s scan', expiring, 20_000);
    console.log(`timed-jobs: the second replica took over ${tookOver} ms after the first was killed, and its scan announced the expiring waiver`);
    assert.is(await servers[1]!.stop(), 0);
  } finally {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
