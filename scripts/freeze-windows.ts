// Expands rego/firewall/config/freezes.yaml (and its .ics imports) into the bundle data
// DFW-CHANGE-002 reads; `make bundle` runs it when a source changes. Same as `dfw freeze expand`.
//   node --import tsx scripts/freeze-windows.ts           write freeze_windows/data.json
//   node --import tsx scripts/freeze-windows.ts --check   exit 1 when it is stale
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandCalendarFile, writeCalendar } from '../src/compliance/freeze/files.js';
import { FREEZE_SOURCE_FILE, FREEZE_WINDOWS_FILE } from '../src/compliance/freeze/windows-file.js';
import { readFileSync, existsSync } from 'node:fs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const paths = { source: join(ROOT, FREEZE_SOURCE_FILE), output: join(ROOT, FREEZE_WINDOWS_FILE) };
const { data, text } = expandCalendarFile(paths, new Date());
const windows = Object.values(data.freezes).reduce((n, f) => n + f.windows.length, 0);
if (process.argv[2] === '--check') {
  const current = existsSync(paths.output) ? readFileSync(paths.output, 'utf8') : '';
  if (current !== text) {
    console.error(`${FREEZE_WINDOWS_FILE} is stale: run "dfw freeze expand" (or make bundle)`);
    process.exitCode = 1;
  }
} else {
  const changed = writeCalendar(paths, text);
  console.log(`${FREEZE_WINDOWS_FILE}: ${Object.keys(data.freezes).length} freezes, ${windows} windows, horizon ${data.horizon.from} to ${data.horizon.to}${changed ? '' : ' (unchanged)'}`);
}
