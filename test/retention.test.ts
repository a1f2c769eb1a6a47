// Retention: decisions older than store.retention_days are pruned at startup and hourly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryLogger } from '../src/shared/logger.js';
import { startRetention } from '../src/host/retention.js';

const retention = suite('retention');

retention('prunes what is older than the retention period, measured from now', async () => {
  const cutoffs: Date[] = [];
  const store = { pruneDecisions: async (before: string | Date) => (cutoffs.push(new Date(before)), 3) };
  const logger = createMemoryLogger();
  const job = startRetention(store, 30, logger, () => new Date('2026-11-28T00:00:00Z'));
  try {
    assert.is(await job.prune(), 3);
    assert.is(cutoffs.at(-1)!.toISOString(), '2026-10-29T00:00:00.000Z');
    assert.ok(logger.lines.some((l) => l.msg === 'retention: pruned decisions' && l.removed === 3));
  } finally {
    job.stop();
  }
});

retention('a failing prune is logged and does not throw', async () => {
  const store = { pruneDecisions: async () => { throw new Error('database is locked'); } };
  const logger = createMemoryLogger();
  const job = startRetention(store, 7, logger);
  try {
    assert.is(await job.prune(), 0);
    assert.ok(logger.lines.some((l) => l.level === 'error' && String(l.error).includes('database is locked')));
  } finally {
    job.stop();
  }
});

retention.run();
