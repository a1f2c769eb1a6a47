// src/engine must run in browsers and Workers (DESIGN.md: Web-standard APIs only): no Node
// builtin is imported, npm packages come from an allow-list, and nothing outside the engine.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers/opa.js';

const ENGINE = join(ROOT, 'src', 'engine');
/** The error model and hashing the engine shares with every room: held to the engine's rules. */
const SHARED = join(ROOT, 'src', 'shared');
const WEB_ONLY_ROOTS = [ENGINE, SHARED];

/**
 * npm packages the engine may import, each checked to be plain Web-compatible JavaScript.
 * Adding one is a decision: check that its browser build imports no Node builtin first.
 */
const ALLOWED_PACKAGES = new Set([
  '@open-policy-agent/opa-wasm',
  'jose',
  'modern-tar',
  'uuid',
  // The rule catalog reads METADATA annotations; js-yaml's ESM build has no imports at all.
  'js-yaml',
]);

/** Node globals that browsers and Workers do not have. */
const NODE_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename', 'global', 'setImmediate', 'module', 'exports']);

interface Import {
  file: string;
  specifier: string;
}

function engineFiles(): string[] {
  return WEB_ONLY_ROOTS.flatMap((root) =>
    (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(root, f)),
  ).sort();
}

/**
 * Every module a source text loads: import and export-from statements (type-only too),
 * side-effect imports, dynamic import() and require(). TypeScript's own pre-processor
 * finds them, so comments and strings that merely mention a module do not count.
 */
function importsOf(file: string, text: string): Import[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((f) => ({ file, specifier: f.fileName }));
}

function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0]!);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/');
}

/** Identifiers that read a Node global (not property names such as `x.process`). */
function nodeGlobalsUsedIn(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) && parent.name === node) ||
        (ts.isVariableDeclaration(parent) && parent.name === node) ||
        (ts.isParameter(parent) && parent.name === node) ||
        ts.isImportSpecifier(parent) ||
        ts.isBindingElement(parent);
      if (!isName) found.push(`${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const webOnly = suite<{ imports: Import[]; texts: Map<string, string> }>('engine-web-only');

webOnly.before((ctx) => {
  ctx.texts = new Map(engineFiles().map((f) => [f, readFileSync(f, 'utf8')]));
  ctx.imports = [...ctx.texts].flatMap(([file, text]) => importsOf(file, text));
});

webOnly('the scanner sees the engine and its known imports', ({ texts, imports }) => {
  assert.ok(texts.has(join(ENGINE, 'evaluator.ts')), 'src/engine/evaluator.ts is scanned');
  assert.ok(texts.has(join(ENGINE, 'bundle', 'archive.ts')), 'files in subfolders are scanned');
  const specifiers = new Set(imports.map((i) => i.specifier));
  for (const known of ['@open-policy-agent/opa-wasm', 'jose', 'modern-tar', './errors.js']) {
    assert.ok(specifiers.has(known), `the scan finds the import of ${known}`);
  }
});

webOnly('the scanner catches every form of importing a Node builtin', () => {
  const sample = [
    "import { readFileSync } from 'fs';",
    "import type { KeyObject } from 'node:crypto';",
    "export { join } from 'path';",
    "export * from 'node:stream/web';",
    "import 'node:process';",
    "const cp = await import('child_process');",
    "const os = require('os');",
    "import {\n  createHash,\n} from 'crypto';",
    "// import nothing from 'net' (a comment)",
    "const text = \"from 'zlib'\";",
  ].join('\n');
  const flagged = importsOf('sample.ts', sample).map((i) => i.specifier).filter(isNodeBuiltin);
  assert.equal(flagged, ['fs', 'node:crypto', 'path', 'node:stream/web', 'node:process', 'child_process', 'os', 'crypto']);
  assert.equal(nodeGlobalsUsedIn('sample.ts', 'const b = Buffer.from("x"); const env = process.env; const o = { process: 1 }; o.process;'), ['sample.ts:1 Buffer', 'sample.ts:1 process']);
});

webOnly('no engine file imports a Node builtin, with or without the node: prefix', ({ imports }) => {
  const offending = imports.filter((i) => isNodeBuiltin(i.specifier)).map((i) => `${relative(ROOT, i.file)} imports ${i.specifier}`);
  assert.equal(offending, [], offending.join('\n'));
});

webOnly('no engine file reads a Node global (Buffer, process, require, __dirname)', ({ texts }) => {
  const offending = [...texts].flatMap(([file, text]) => nodeGlobalsUsedIn(file, text));
  assert.equal(offending, [], offending.join('\n'));
});

webOnly('every npm package the engine imports is allow-listed and a runtime dependency', ({ imports }) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const bare = imports.filter((i) => !isRelative(i.specifier) && !isNodeBuiltin(i.specifier));
  const notAllowed = bare.filter((i) => !ALLOWED_PACKAGES.has(packageName(i.specifier))).map((i) => `${relative(ROOT, i.file)} imports ${i.specifier}`);
  assert.equal(notAllowed, [], `not in the engine's allow-list:\n${notAllowed.join('\n')}`);
  const undeclared = [...new Set(bare.map((i) => packageName(i.specifier)))].filter((name) => !pkg.dependencies?.[name]);
  assert.equal(undeclared, [], `imported by the engine but not in package.json dependencies: ${undeclared.join(', ')}`);
});

webOnly('relative imports stay inside src/engine and src/shared (the engine knows nothing of HTTP, files or databases)', ({ imports }) => {
  const outside = imports
    .filter((i) => isRelative(i.specifier))
    .filter((i) => !WEB_ONLY_ROOTS.some((root) => resolve(dirname(i.file), i.specifier).startsWith(root + sep)))
    .map((i) => `${relative(ROOT, i.file)} imports ${i.specifier}`);
  assert.equal(outside, [], outside.join('\n'));
});

webOnly('the package exports the built engine as dfw/engine', async () => {
  // Self-reference by package name resolves through package.json "exports" (make test builds dist/ first).
  const engine = (await import('dfw/engine' as string)) as Record<string, unknown>;
  for (const name of ['loadBundle', 'createEvaluator', 'ruleCatalog', 'ActivePolicy', 'canonicalJson']) assert.type(engine[name], 'function', name);
});

webOnly.run();
