// The resolve hook of module-trace-preload.mjs (module hooks run on a thread of their own).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

let file;

export function initialize({ dir }) {
  file = join(dir, `${process.pid}.txt`);
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:')) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
