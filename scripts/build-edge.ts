// Bundles the edge runtime into one ESM file per target with esbuild: `worker` (the
// `export default { fetch }` entry) and `browser` (createEdgeHandler and friends).
//
//   node --import tsx scripts/build-edge.ts [--target worker|browser|all] [--outdir dist/edge] [--minify]
//
// platform "browser" makes any Node builtin in the import graph a build error. The JSON
// Schemas are compiled to code here (Ajv standalone) instead of at start-up: Ajv compiles
// with `new Function`, which a strict Content-Security-Policy (no 'unsafe-eval') and
// Workers runtimes forbid.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import standaloneCodeImport from 'ajv/dist/standalone/index.js';
import { build, type Plugin } from 'esbuild';
import { AJV_OPTIONS } from '../src/collect/schema-validation.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const EDGE_ENTRIES = {
  worker: 'src/edge-runtime/worker.ts',
  browser: 'src/edge-runtime/index.ts',
} as const;

export type EdgeTarget = keyof typeof EDGE_ENTRIES;

export interface BuildEdgeOptions {
  target: EdgeTarget;
  outfile: string;
  minify?: boolean;
  /** Compile the JSON Schemas at build time (default). Off, Ajv compiles them at start-up with new Function. */
  precompileSchemas?: boolean;
}

export interface BuildEdgeResult {
  outfile: string;
  bytes: number;
  /** Every source file in the bundle, relative to the project (node_modules included). */
  inputs: string[];
}

/** The module whose Ajv is replaced, and the schemas it registers (kept in step by the edge test). */
const SCHEMA_VALIDATION = join(ROOT, 'src/collect/schema-validation.ts');
const SCHEMAS = ['docs/check-request.schema.json', 'docs/input.schema.json'];

// ajv, ajv-formats and the standalone generator are CommonJS with a `default` property.
const Ajv2020 = Ajv2020Import.default;
const addFormats = addFormatsImport.default;
const standaloneCode = (standaloneCodeImport as unknown as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;

/** Ajv's generated validators, plus a stand-in for the Ajv class that hands them out by $id. */
async function precompiledAjvModule(): Promise<string> {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  addFormats(ajv);
  const refs: Record<string, string> = {};
  for (const [i, file] of SCHEMAS.entries()) {
    const schema = JSON.parse(await readFile(join(ROOT, file), 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    refs[`schema${i}`] = schema.$id;
  }
  const validators = Object.entries(refs)
    .map(([name, id]) => `${JSON.stringify(id)}: ${name}`)
    .join(', ');
  return `${standaloneCode(ajv, refs)}
const VALIDATORS = { ${validators} };
class PrecompiledAjv {
  addSchema() { return this; }
  getSchema(id) { return Object.hasOwn(VALIDATORS, id) ? VALIDATORS[id] : undefined; }
}
export default { default: PrecompiledAjv };
`;
}

/** Swaps Ajv (and ajv-formats, whose formats the generated code imports itself) in schema-validation.ts only. */
function precompiledSchemas(): Plugin {
  return {
    name: 'dfw-precompiled-schemas',
    setup(b) {
      b.onResolve({ filter: /^ajv(\/dist\/2020\.js|-formats)$/ }, (args) => {
        if (resolve(args.importer) !== SCHEMA_VALIDATION) return undefined;
        return { path: args.path, namespace: 'dfw-precompiled-schemas' };
      });
      b.onLoad({ filter: /.*/, namespace: 'dfw-precompiled-schemas' }, async (args) => ({
        contents: args.path === 'ajv-formats' ? 'export default { default: () => {} };' : await precompiledAjvModule(),
        loader: 'js',
        resolveDir: ROOT,
      }));
    },
  };
}

export async function buildEdge(options: BuildEdgeOptions): Promise<BuildEdgeResult> {
  mkdirSync(dirname(options.outfile), { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, EDGE_ENTRIES[options.target])],
    outfile: options.outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'eof',
    plugins: options.precompileSchemas === false ? [] : [precompiledSchemas()],
  });
  const inputs = Object.keys(result.metafile.inputs).sort();
  const bytes = result.metafile.outputs[relative(ROOT, options.outfile)]?.bytes ?? 0;
  return { outfile: options.outfile, bytes, inputs };
}

async function main(argv: string[]): Promise<void> {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const target = value('--target') ?? 'all';
  if (target !== 'all' && !(target in EDGE_ENTRIES)) throw new Error(`--target must be worker, browser or all, not "${target}"`);
  const outdir = resolve(value('--outdir') ?? join(ROOT, 'dist/edge'));
  const targets = target === 'all' ? (Object.keys(EDGE_ENTRIES) as EdgeTarget[]) : [target as EdgeTarget];
  for (const t of targets) {
    const outfile = join(outdir, t === 'worker' ? 'dfw-edge-worker.js' : 'dfw-edge.js');
    const built = await buildEdge({ target: t, outfile, minify: argv.includes('--minify') });
    console.log(`built ${relative(process.cwd(), built.outfile)} (${t}, ${(built.bytes / 1024).toFixed(0)} KiB, ${built.inputs.length} modules)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`build-edge: ${(err as Error)?.message ?? String(err)}`);
    process.exit(1);
  });
}
