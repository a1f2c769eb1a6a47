// Console sessions on SQL, so every worker process and every replica behind a load balancer
// knows a session one of them started. Only the SHA-256 of the cookie value is stored: a
// copy of the database does not hold live sessions. `caller` holds whatever the console
// binds the session to (src/api/console/session.ts: the API token's fingerprint).
import type { SqlDriver } from './sql/driver.js';
import type { ConsoleSession, ConsoleSessions, Instant } from './types.js';
import { fromBigint, requireText, toMillis } from './values.js';

export class SqlConsoleSessions implements ConsoleSessions {
  constructor(private readonly db: SqlDriver) {}

  async create(session: ConsoleSession): Promise<void> {
    await this.db.run('INSERT INTO console_sessions (id_sha256, caller, csrf, expires_at_ms) VALUES (?, ?, ?, ?)', [
      requireText(session.id_sha256, 'id_sha256'),
      requireText(session.caller, 'caller'),
      requireText(session.csrf, 'csrf'),
      toMillis(session.expires_at, 'expires_at'),
    ]);
  }

  async get(idSha256: string, now: Instant): Promise<ConsoleSession | undefined> {
    const [row] = await this.db.all('SELECT * FROM console_sessions WHERE id_sha256 = ? AND expires_at_ms > ?', [idSha256, toMillis(now, 'now')]);
    if (!row) return undefined;
    return { id_sha256: row.id_sha256 as string, caller: row.caller as string, csrf: row.csrf as string, expires_at: new Date(fromBigint(row.expires_at_ms)).toISOString() };
  }

  async end(idSha256: string): Promise<void> {
    await this.db.run('DELETE FROM console_sessions WHERE id_sha256 = ?', [idSha256]);
  }

  prune(now: Instant): Promise<number> {
    return this.db.run('DELETE FROM console_sessions WHERE expires_at_ms <= ?', [toMillis(now, 'now')]);
  }
}
