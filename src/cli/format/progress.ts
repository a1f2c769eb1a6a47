// Progress of long work on a terminal: one line on stderr, rewritten in place and cleared
// at the end. Nothing when stderr is not a terminal, so logs and pipes stay clean.

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  update(text: string): void;
  done(): void;
}

export function terminalProgress(stream: ProgressStream, now: () => number = Date.now, everyMs = 200): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let shown = false;
  let last = -Infinity;
  return {
    update(text) {
      if (now() - last < everyMs) return;
      last = now();
      shown = true;
      stream.write(`\r\x1b[K${text}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
