// How rows and acknowledgements are grouped into messages (src/store/turn-batch.ts): in the
// order added, once per event-loop turn, earlier once a batch holds maxItems, and on demand
// before a message that must follow them; nothing is lost or sent twice. And the rows'
// sender (src/store/writer-messages.ts, rowSender): ROWS_PER_MESSAGE rows at most to a
// message, and a message that cannot be sent fails exactly its own rows.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareDecision } from '../src/store/decisions.js';
import { turnBatch } from '../src/store/turn-batch.js';
import { PendingAcks, ROWS_PER_MESSAGE, rowSender, type SentRow } from '../src/store/writer-messages.js';
import { generateDecision } from './helpers/store-records.js';

const batches = suite('turn batches');
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

batches('items added in one turn leave together at its end, in order', async () => {
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

batches('a batch that reaches maxItems leaves at once; the rest at the end of the turn', async () => {
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

batches('flush sends what is queued now, and the end of the turn sends nothing twice', async () => {
  const sent: string[][] = [];
  const batch = turnBatch<string>((items) => sent.push(items));
  batch.add('a');
  batch.add('b');
  batch.flush();
  assert.equal(sent, [['a', 'b']]);
  batch.add('c');
  await nextTurn();
  assert.equal(sent, [['a', 'b'], ['c']]);
});

batches.run();

const rows = suite('decision rows to the writer');
const pendingRow = (i: number) => prepareDecision(generateDecision(i, 'rows').record, [], new Date());

rows(`${ROWS_PER_MESSAGE + 1} rows in one turn: ${ROWS_PER_MESSAGE} leave at once, the last at the end of the turn; each is settled by its own acknowledgement`, async () => {
  const acks = new PendingAcks();
  const posted: SentRow[][] = [];
  const sender = rowSender(acks, (batch) => posted.push(batch), (err) => err as Error);
  const pending = Array.from({ length: ROWS_PER_MESSAGE + 1 }, (_, i) => pendingRow(i));
  const acknowledged = pending.map((p) => sender.send(p));
  assert.equal(posted.map((b) => b.length), [ROWS_PER_MESSAGE], 'a full message left during the turn');
  await nextTurn();
  assert.equal(posted.map((b) => b.length), [ROWS_PER_MESSAGE, 1]);
  assert.equal(posted.flat().map((r) => r.pending.decisionId), pending.map((p) => p.decisionId), 'every row once, in order');
  acks.settleAll(posted.flat().map(({ seq }) => ({ seq })));
  await Promise.all(acknowledged);
});

rows('a message that cannot be sent fails its own rows with the sender\'s error; the next one still goes', async () => {
  const acks = new PendingAcks();
  const posted: SentRow[][] = [];
  let refuse = true;
  const sender = rowSender(
    acks,
    (batch) => {
      if (refuse) {
        refuse = false;
        throw new Error('could not clone');
      }
      posted.push(batch);
    },
    (err) => new Error(`unsent: ${(err as Error).message}`),
  );
  const outcomes = Array.from({ length: ROWS_PER_MESSAGE + 1 }, (_, i) => sender.send(pendingRow(i)).then(() => 'committed', (err: Error) => err.message));
  await nextTurn();
  assert.is(posted.length, 1);
  assert.is(posted[0]!.length, 1, 'the row after the failed message went out at the end of the turn');
  acks.settleAll(posted[0]!.map(({ seq }) => ({ seq })));
  const settled = await Promise.all(outcomes);
  assert.equal(settled, [...Array<string>(ROWS_PER_MESSAGE).fill('unsent: could not clone'), 'committed']);
});

rows.run();
