#!/usr/bin/env node
// The `dfw` command. The TypeScript is compiled to dist/ by `make build` (or `npm run build`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('dfw: dist/ is missing; run "make build" (or "npm run build") first');
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
