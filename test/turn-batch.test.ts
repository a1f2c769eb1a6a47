// How rows and acknowledgements are grouped into messages (src/store/turn-batch.ts): in the
// order added, once per event-loop turn, earlier once a batch holds maxItems, and on demand
// before a message that must follow them; nothing is lost or sent twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { turnBatch } from '../src/store/turn-batch.js';
import { ROWS_PER_MESSAGE } from '../src/store/writer-messages.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('items added in one turn leave together at its end, in order', async () => {
  const sent: number[][] = [];
  const batch = turnBatch<number>((items) => sent.push(items));
  for (let i = 0; i < 40; i++) batch.add(i);
  assert.equal(sent, [], 'nothing leaves before the turn ends');
  await nextTurn();
  assert.equal(sent, [Array.from({ length: 40 }, (_, i) => i)]);
  batch.add(40);
  await nextTurn();
  assert.equal(sent[1], [40], 'the next turn starts a new batch');
});

test('a batch that reaches maxItems leaves at once; the rest at the end of the turn', async () => {
  const sent: number[][] = [];
  const batch = turnBatch<number>((items) => sent.push(items), 8);
  for (let i = 0; i < 19; i++) batch.add(i);
  assert.equal(sent.map((b) => b.length), [8, 8], 'two full batches left during the turn');
  await nextTurn();
  assert.equal(sent.map((b) => b.length), [8, 8, 3]);
  assert.equal(sent.flat(), Array.from({ length: 19 }, (_, i) => i), 'every item once, in order');
  await nextTurn();
  assert.is(sent.length, 3, 'an empty batch is never sent');
});

test('flush sends what is queued now, and the end of the turn sends nothing twice', async () => {
  const sent: string[][] = [];
  const batch = turnBatch<string>((items) => sent.push(items), ROWS_PER_MESSAGE);
  batch.add('a');
  batch.add('b');
  batch.flush();
  assert.equal(sent, [['a', 'b']]);
  batch.add('c');
  await nextTurn();
  assert.equal(sent, [['a', 'b'], ['c']]);
});

test.run();
