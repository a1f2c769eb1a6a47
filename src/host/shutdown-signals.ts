// SIGTERM and SIGINT as one request to stop, however often they arrive. A signal to the
// whole process group (systemd's KillMode=control-group, `kill -- -<pgid>`, Ctrl-C) reaches
// a cluster worker directly and once more through the primary, which forwards SIGTERM to
// every worker; an operator or a supervisor may also simply send it twice. Listening with
// process.once left no listener for the second one, and Node's default for a signal without
// a listener ends the process at once: the worker died mid-drain and every check in flight
// got an empty reply. A listener that stays, and ignores what follows the first, keeps the
// drain (bounded by server.shutdown_timeout_seconds) in charge of when the process ends.

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export interface ShutdownSignalOptions {
  /** The signals that ask for the stop (default both). */
  signals?: readonly ShutdownSignal[];
  /** Hears each signal after the first: the stop is already under way. */
  repeated?: (signal: ShutdownSignal) => void;
}

/**
 * Calls `stop` once, for the first of `signals`; every later one is only reported. Returns
 * a function that removes the listeners.
 */
export function onShutdownSignal(stop: (signal: ShutdownSignal) => void, options: ShutdownSignalOptions = {}): () => void {
  let stopping = false;
  const listeners = (options.signals ?? ['SIGTERM', 'SIGINT']).map((signal) => {
    const listener = () => {
      if (stopping) return options.repeated?.(signal);
      stopping = true;
      stop(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
