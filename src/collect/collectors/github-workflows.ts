// evidence.workflows from GitHub: every workflow file in .github/workflows at the deployed
// commit, read through the contents API and parsed with js-yaml (YAML 1.2, so the key `on`
// stays a string), reduced to what rules judge: token permissions, the triggers, and each
// job's runner labels, reusable workflow and steps (uses, run, with).
import yaml from 'js-yaml';
import { CollectorFailure, mapWithLimit } from './http.js';
import { describeJsonType, GitHubHttpError, type GitHubClient } from './github-client.js';

/** null when the file declares none; "read-all" / "write-all"; or scope -> read|write|none. */
export type WorkflowPermissions = null | string | Record<string, string>;

export interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  /** The step's inputs, as written (actions/checkout's `ref`, for one). */
  with?: Record<string, unknown>;
}

export interface WorkflowJob {
  name: string;
  permissions: WorkflowPermissions;
  /** runs-on as a list of labels; a runner group is "group:<name>". */
  runs_on?: string[];
  /** A reusable workflow the job calls instead of having steps. */
  uses?: string;
  steps?: WorkflowStep[];
}

export interface Workflow {
  path: string;
  permissions: WorkflowPermissions;
  /** The events in `on:` (a string, a list or a map of events). */
  on: string[];
  /** One entry per job, named by its job id (the key under `jobs:`). */
  jobs: WorkflowJob[];
}

const WORKFLOWS_DIR = '.github/workflows';
/** GitHub runs only the .yml/.yaml files directly in .github/workflows. */
const WORKFLOW_FILE = /\.ya?ml$/i;
/** Concurrent file reads: a repository has tens of workflows, GitHub dislikes bursts. */
const CONCURRENCY = 4;

type Json = Record<string, unknown>;

function isMapping(value: unknown): value is Json {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Permissions as rules read them. A value GitHub would not accept (a number, a list, an
 * empty scope) is kept as text so that the rule treats it as unrecognised, failing closed.
 */
export function normalizePermissions(value: unknown): WorkflowPermissions {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (isMapping(value)) {
    return Object.fromEntries(Object.entries(value).map(([scope, access]) => [scope, typeof access === 'string' ? access : String(access)]));
  }
  return JSON.stringify(value);
}

/** `on: push`, `on: [push, pull_request]` and `on: {push: …, pull_request_target: …}` alike. */
function readTriggers(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return isMapping(value) ? Object.keys(value) : [];
}

/** `runs-on: ubuntu-latest`, a list of labels, or `{group, labels}` (GitHub's runner groups). */
function readRunsOn(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((v) => String(v));
  if (isMapping(value)) {
    const labels = typeof value.labels === 'string' ? [value.labels] : Array.isArray(value.labels) ? value.labels.map((v) => String(v)) : [];
    return [...(typeof value.group === 'string' ? [`group:${value.group}`] : []), ...labels];
  }
  return undefined;
}

function readSteps(value: unknown): WorkflowStep[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isMapping).map((step) => ({
    ...(typeof step.name === 'string' ? { name: step.name } : {}),
    ...(typeof step.uses === 'string' ? { uses: step.uses } : {}),
    ...(typeof step.run === 'string' ? { run: step.run } : {}),
    ...(isMapping(step.with) ? { with: step.with } : {}),
  }));
}

function readJob(name: string, job: unknown): WorkflowJob {
  const spec = isMapping(job) ? job : {};
  const runsOn = readRunsOn(spec['runs-on']);
  const steps = readSteps(spec.steps);
  return {
    name,
    permissions: normalizePermissions(spec.permissions),
    ...(runsOn ? { runs_on: runsOn } : {}),
    ...(typeof spec.uses === 'string' ? { uses: spec.uses } : {}),
    ...(steps ? { steps } : {}),
  };
}

/** Parses one workflow file; a YAML error names the file and the line. */
export function parseWorkflow(path: string, text: string): Workflow {
  let document: unknown;
  try {
    document = yaml.load(text, { filename: path });
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number }; message?: string };
    const where = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    throw new CollectorFailure(`workflow ${path} is not valid YAML: ${e.reason ?? e.message ?? String(err)}${where}`);
  }
  if (!isMapping(document)) throw new CollectorFailure(`workflow ${path} is not a YAML mapping (it is ${describeJsonType(document ?? null)})`);
  const jobs = isMapping(document.jobs) ? Object.entries(document.jobs).map(([name, job]) => readJob(name, job)) : [];
  return { path, permissions: normalizePermissions(document.permissions), on: readTriggers(document.on), jobs };
}

/** Contents API paths keep their slashes; each segment is escaped. */
function contentsPath(base: string, path: string, ref: string): string {
  return `${base}/contents/${path.split('/').map(encodeURIComponent).join('/')}?ref=${encodeURIComponent(ref)}`;
}

function decodeBase64(content: string): string {
  const binary = atob(content.replace(/\s+/g, ''));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8').decode(bytes);
}

async function readWorkflowFile(client: GitHubClient, base: string, path: string, ref: string): Promise<Workflow> {
  const body = await client.getJson(contentsPath(base, path, ref), `workflow ${path}`);
  if (!isMapping(body) || typeof body.content !== 'string') {
    throw new CollectorFailure(`GitHub answered workflow ${path} with ${describeJsonType(body)} without file content`);
  }
  // Files over 1 MB come back with encoding "none" and no content.
  if (body.encoding !== 'base64') {
    throw new CollectorFailure(`GitHub did not return the content of workflow ${path} (encoding ${String(body.encoding)}, ${String(body.size)} bytes)`);
  }
  let text: string;
  try {
    text = decodeBase64(body.content);
  } catch {
    throw new CollectorFailure(`GitHub answered workflow ${path} with content that is not base64`);
  }
  return parseWorkflow(path, text);
}

/**
 * The workflows at `ref`. GitHub answers 404 both when the folder does not exist and when
 * the repository or commit does not: asking for the commit tells the two apart, and only
 * the first means "no workflows".
 */
export async function collectWorkflows(client: GitHubClient, base: string, ref: string): Promise<Workflow[]> {
  let listing: unknown;
  try {
    listing = await client.getJson(contentsPath(base, WORKFLOWS_DIR, ref), `the ${WORKFLOWS_DIR} folder at ${ref}`);
  } catch (err) {
    if (!(err instanceof GitHubHttpError && err.status === 404)) throw err;
    await client.getText(`${base}/commits/${encodeURIComponent(ref)}`, 'application/vnd.github.sha');
    return [];
  }
  if (!Array.isArray(listing)) throw new CollectorFailure(`GitHub answered the ${WORKFLOWS_DIR} folder at ${ref} with ${describeJsonType(listing)}, not a folder listing`);
  const files = listing
    .filter((entry): entry is Json => isMapping(entry) && entry.type === 'file' && typeof entry.path === 'string' && typeof entry.name === 'string')
    .filter((entry) => WORKFLOW_FILE.test(entry.name as string))
    .map((entry) => entry.path as string)
    .sort();
  return mapWithLimit(files, CONCURRENCY, (path) => readWorkflowFile(client, base, path, ref));
}
