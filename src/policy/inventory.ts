// What a set of Rego files declares, as OPA itself reads it (`opa inspect -a`): packages
// by file and each deny rule's METADATA. The layering checks below use it: a team's rules
// stay in the team's namespace, follow the rule contract, and never reuse a built-in id.
import { relative } from 'node:path';
import { runOpa } from './opa-binary.js';
import { PolicyProjectError } from './errors.js';

export interface DeclaredRule {
  id: string;
  title: string;
  severity: string;
  category: string;
  remediation: string;
  package: string;
  /** file:line of the METADATA, as shown to people. */
  at: string;
  file: string;
}

export interface Inventory {
  /** Package -> files declaring it. */
  packages: Record<string, string[]>;
  rules: DeclaredRule[];
  /** deny rules whose METADATA breaks the rule contract, as messages. */
  problems: string[];
}

interface InspectAnnotation {
  annotations: { scope?: string; title?: string; custom?: Record<string, unknown> };
  location: { file: string; row: number };
  path: Array<{ value: string }>;
}

const SEVERITIES = new Set(['critical', 'high', 'medium', 'low']);

/** Runs opa inspect on `paths` (relative to `cwd`, so files print as the user knows them). */
export function inspectRules(opa: string, paths: string[], cwd: string, display: (file: string) => string = (f) => f): Inventory {
  const r = runOpa(opa, ['inspect', '-a', '--format', 'json', ...paths], { cwd });
  if (r.status !== 0) throw new PolicyProjectError(`opa inspect ${paths.map((p) => relative(cwd, p) || p).join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  const out = JSON.parse(r.stdout || '{}') as { namespaces?: Record<string, string[]>; annotations?: InspectAnnotation[] };
  const packages = Object.fromEntries(Object.entries(out.namespaces ?? {}).map(([ns, files]) => [ns.replace(/^data\./, ''), files.map(display)]));
  const rules: DeclaredRule[] = [];
  const problems: string[] = [];
  for (const a of out.annotations ?? []) {
    const path = a.path.map((p) => p.value);
    if (a.annotations.scope !== 'rule' || path.at(-1) !== 'deny') continue;
    const file = display(a.location.file);
    const at = `${file}:${a.location.row}`;
    const custom = a.annotations.custom ?? {};
    const missing = [
      a.annotations.title ? undefined : 'title',
      typeof custom.id === 'string' && custom.id ? undefined : 'custom.id',
      typeof custom.category === 'string' && custom.category ? undefined : 'custom.category',
      typeof custom.remediation === 'string' && custom.remediation ? undefined : 'custom.remediation',
    ].filter(Boolean);
    if (missing.length) problems.push(`${at}: the deny rule's METADATA lacks ${missing.join(', ')} (docs/writing-rules.md)`);
    if (!SEVERITIES.has(custom.severity as string)) problems.push(`${at}: custom.severity must be one of critical, high, medium, low, got ${JSON.stringify(custom.severity ?? null)}`);
    if (missing.length) continue;
    rules.push({
      id: custom.id as string,
      title: a.annotations.title!,
      severity: custom.severity as string,
      category: custom.category as string,
      remediation: custom.remediation as string,
      package: path.slice(1, -1).join('.'),
      at,
      file,
    });
  }
  return { packages, rules, problems };
}
