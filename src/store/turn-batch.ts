// Messages gathered until the end of the event loop's turn and sent as one. The decision
// log's rows and their acknowledgements cross to and from the writer (a thread or the
// cluster's primary) this way: under load several checks finish in one turn, and every
// message costs both sides a wake-up and a structured clone's fixed part, which measured
// more than the copying itself (performance-changes.md, ninth round). A batch may also leave
// early, once it holds `maxItems`: see ROWS_PER_MESSAGE.

export interface TurnBatch<T> {
  /** Queues `item`; the batch leaves at the end of this turn (setImmediate), or now once it holds maxItems. */
  add(item: T): void;
  /** Sends what is queued now: before a message that must come after it (a close). */
  flush(): void;
}

/** `send` gets each non-empty batch, in the order the items were added. */
export function turnBatch<T>(send: (items: T[]) => void, maxItems = Infinity): TurnBatch<T> {
  let queued: T[] = [];
  const flush = () => {
    if (queued.length === 0) return;
    const items = queued;
    queued = [];
    send(items);
  };
  return {
    add(item) {
      if (queued.length === 0) setImmediate(flush);
      queued.push(item);
      if (queued.length >= maxItems) flush();
    },
    flush,
  };
}
