// Starting a worker thread from a module of this package, compiled (dist/, .js) or not
// (tests and make bench run the TypeScript under tsx). Node cannot start a worker from a .ts
// file, and on Node 20 the parent's --import does not reach workers: a small script
// registers tsx in the new thread first, then imports the module.

/** The Worker constructor's first argument and its `eval` flag for `<name>.js`/`<name>.ts` beside `importMetaUrl`. */
export function workerEntry(importMetaUrl: string, name: string): { entry: string | URL; eval: boolean } {
  if (!importMetaUrl.endsWith('.ts')) return { entry: new URL(`./${name}.js`, importMetaUrl), eval: false };
  const worker = new URL(`./${name}.ts`, importMetaUrl).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return { entry: `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(worker)}); })`, eval: true };
}
