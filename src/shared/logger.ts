// Structured JSON logs, one object a line, to a sink the runtime chooses (stderr in Node).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The `log:` section of dfw.yaml. */
export interface LogConfig {
  level: LogLevel;
}

export const DEFAULT_LOG_CONFIG: LogConfig = { level: 'info' };

export const LOG_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { level: { enum: Object.keys(LEVELS) } },
} as const;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => console.error(l)): Logger {
  const emit = (at: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[at] < LEVELS[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that keeps lines in memory, for tests. */
export function createMemoryLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { ...createLogger('debug', (l) => lines.push(JSON.parse(l))), lines };
}
