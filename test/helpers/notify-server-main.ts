// The child process of test/helpers/notify-server.ts: `dfw serve --config <file>` from the
// TypeScript sources, stopped by SIGTERM (or killed).
import { loadConfig } from '../../src/config/load.js';
import { startServer } from '../../src/host/server.js';

const server = await startServer(loadConfig(process.argv[2]));
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
