// The output formats of `dfw check --format …`: table, json, SARIF 2.1.0, JUnit XML, GitHub workflow commands.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { Decision, RuleEntry, Severity, Violation, WaivedViolation } from '../src/engine/index.js';
import { formatDecision, OUTPUT_FORMATS, type DeploymentSubject } from '../src/cli/format/index.js';
import { escapeData, escapeProperty } from '../src/cli/format/github.js';
import { terminalProgress } from '../src/cli/format/progress.js';

// ajv and ajv-formats are CommonJS with a `default` export property.
const Ajv2020 = Ajv2020Import.default;
const addFormats = addFormatsImport.default;

const ESC = '\u001b';

// --- a realistic decision: production deploy of payments, denied --------------------------

const REMEDIATION = {
  git: 'In the repository\'s settings, protect the branch: require a pull request with at\nleast one approving review, and leave "Allow force pushes" and "Allow deletions" off.',
  scan: 'Fix or dismiss (with a reason) every open high or critical code scanning alert on the\ndeployed commit, then run code scanning again.',
  change: 'Name an approved change ticket in the deployment request (change_ticket) and deploy\ninside the ticket\'s change window.',
  cloud: 'Deploy the newest released version, tagged with a semantic version (1.5.0 or\nv1.5.0). If an older version must go out (a rollback), record a waiver for this rule.',
  vuln: 'Upgrade each affected package to its fixed version (or rebuild on a patched base\nimage), scan again and deploy the new digest.',
} as const;

function violation(rule: string, title: string, severity: Severity, category: string, message: string, remediation: string, evidence: string): Violation {
  return { rule, title, severity, category, message, remediation, evidence };
}

const BRANCH = violation('DFW-GIT-001', 'Deployed branch is protected', 'critical', 'git',
  'branch github.com/acme/payments@main is not protected', REMEDIATION.git, 'branch_protection.protected is not true');
// Scanner text reaches messages verbatim: markup, quotes, a newline, a percent sign, an ESC.
const SCANNING = violation('DFW-SCAN-001', 'Code scanning ran on the deployed commit with no high findings', 'high', 'scanning',
  'CodeQL reports js/xss at src/render.ts:42: <script>alert("x")</script> & \'quotes\'\nand 100% of inputs unescaped' + ESC + '[2J\u0000',
  REMEDIATION.scan, 'code_scanning.findings[0].severity = high');
const TICKET = violation('DFW-CHANGE-001', 'An approved change ticket covers the deployment', 'high', 'change',
  'change ticket CHG0012345 is in state "assess", not approved', REMEDIATION.change, 'change_ticket.state = assess');
const LATEST = violation('DFW-CLOUD-001', 'The deployed version is the latest in the registry (semver-aware)', 'medium', 'cloud',
  'deploying 1.4.2, but 1.5.0 is the newest version in registry.example.com/payments/api', REMEDIATION.cloud, 'registry.latest = 1.5.0');
const CVE: WaivedViolation = {
  ...violation('DFW-VULN-001', 'No critical CVEs in the artifact', 'critical', 'vulnerabilities',
    'CVE-2024-1234 (critical) in openssl 3.0.1, fixed in 3.0.2', REMEDIATION.vuln, 'vulnerabilities.findings[0].id = CVE-2024-1234'),
  waiver_id: 'WVR-2026-0042',
  approved_by: 'security-lead@acme.example',
  expires_at: '2026-12-15T00:00:00Z',
};

const DENIED: Decision = {
  decision_id: '0193a6f2-7c1e-7b3a-9d4e-5f6a7b8c9d0e',
  allow: false,
  environment: 'production',
  deny: { critical: [BRANCH], high: [SCANNING, TICKET], medium: [], low: [] },
  warn: { critical: [], high: [], medium: [LATEST], low: [] },
  waived: [CVE],
  bundle: { name: 'firewall', revision: '2026.11.28-4f1c8b2' },
  evaluated_at: '2026-11-28T14:00:00.123Z',
  timing_ms: { collect: 41.7, evaluate: 2.3 },
};

const ALLOWED: Decision = {
  decision_id: '0193a6f3-1111-7222-8333-944455556666',
  allow: true,
  environment: 'staging',
  deny: { critical: [], high: [], medium: [], low: [] },
  warn: { critical: [], high: [], medium: [], low: [] },
  waived: [],
  bundle: { name: 'firewall', revision: '2026.11.28-4f1c8b2' },
  evaluated_at: '2026-11-28T14:05:00Z',
  timing_ms: { collect: 12.5, evaluate: 1.1 },
};

const REQUEST: DeploymentSubject = {
  application: 'payments',
  environment: 'production',
  image: 'registry.example.com/payments/api:1.4.2',
  source: { repository: 'github.com/acme/payments', commit: '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e' },
};

function catalogEntry(v: Violation, description: string): RuleEntry {
  return {
    id: v.rule, title: v.title, description, category: v.category, severity: v.severity, remediation: v.remediation,
    package: `firewall.rules.${v.category}`,
    enforcement: { production: { enforcement: 'deny', severity: v.severity }, staging: { enforcement: 'warn', severity: v.severity } },
  };
}

// The bundle's catalog: every rule above, one that passed (DFW-REVIEW-001) and one that is off in production.
const CATALOG: RuleEntry[] = [
  ...[BRANCH, SCANNING, TICKET, LATEST, CVE].map((v) => catalogEntry(v, `${v.title}.`)),
  {
    id: 'DFW-REVIEW-001', title: 'An approved security review', description: 'A security review of the release is approved.',
    category: 'review', severity: 'high', remediation: 'Request a security review.', package: 'firewall.rules.review.security_review',
    enforcement: { production: { enforcement: 'deny', severity: 'high' } },
  },
  {
    id: 'DFW-BUILD-001', title: 'Workflow tokens have minimum permissions', description: 'Workflow tokens are least-privilege.',
    category: 'build', severity: 'high', remediation: 'Declare permissions per job.', package: 'firewall.rules.build.workflow_permissions',
    enforcement: { production: { enforcement: 'off', severity: 'high' } },
  },
];

// --- the SARIF 2.1.0 schema's required properties (OASIS sarif-schema-2.1.0.json), compacted --

const message = { type: 'object', anyOf: [{ required: ['text'] }, { required: ['id'] }], properties: { text: { type: 'string' }, id: { type: 'string' } } };
const multiformatMessageString = { type: 'object', required: ['text'], properties: { text: { type: 'string' }, markdown: { type: 'string' } } };
const propertyBag = { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'string' } } } };
const SARIF_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['version', 'runs'],
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tool'],
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name'],
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  informationUri: { type: 'string', format: 'uri' },
                  rules: {
                    type: 'array',
                    uniqueItems: true,
                    items: {
                      type: 'object',
                      required: ['id'],
                      properties: {
                        id: { type: 'string' },
                        name: { type: 'string' },
                        shortDescription: multiformatMessageString,
                        fullDescription: multiformatMessageString,
                        help: multiformatMessageString,
                        properties: propertyBag,
                      },
                    },
                  },
                },
              },
            },
          },
          automationDetails: { type: 'object', properties: { id: { type: 'string' } } },
          versionControlProvenance: {
            type: 'array',
            items: { type: 'object', required: ['repositoryUri'], properties: { repositoryUri: { type: 'string', format: 'uri' }, revisionId: { type: 'string' } } },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['message'],
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: -1 },
                level: { enum: ['none', 'note', 'warning', 'error'] },
                message,
                locations: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      physicalLocation: {
                        type: 'object',
                        anyOf: [{ required: ['address'] }, { required: ['artifactLocation'] }],
                        properties: {
                          artifactLocation: { type: 'object', properties: { uri: { type: 'string', format: 'uri-reference' } } },
                          region: { type: 'object', properties: { startLine: { type: 'integer', minimum: 1 } } },
                        },
                      },
                    },
                  },
                },
                partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
                suppressions: {
                  type: 'array',
                  uniqueItems: true,
                  items: {
                    type: 'object',
                    required: ['kind'],
                    properties: {
                      kind: { enum: ['inSource', 'external'] },
                      status: { enum: ['accepted', 'underReview', 'rejected'] },
                      justification: { type: 'string' },
                    },
                  },
                },
                properties: propertyBag,
              },
            },
          },
          properties: propertyBag,
        },
      },
    },
  },
};

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateSarif = ajv.compile(SARIF_SCHEMA);

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help?: { text: string; markdown: string };
  properties: { 'security-severity': string; tags: string[] };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
  suppressions?: Array<{ kind: string; justification: string }>;
  partialFingerprints: Record<string, string>;
}
interface SarifRun {
  tool: { driver: { name: string; version?: string; informationUri: string; rules: SarifRule[] } };
  versionControlProvenance?: Array<{ repositoryUri: string; revisionId?: string }>;
  results: SarifResult[];
}

function sarifOf(decision: Decision, request?: DeploymentSubject, rules?: RuleEntry[]): { log: unknown; run: SarifRun } {
  const log = JSON.parse(formatDecision(decision, { format: 'sarif', request, rules }).stdout) as { runs: SarifRun[] };
  const valid = validateSarif(log);
  assert.ok(valid, `SARIF does not validate: ${ajv.errorsText(validateSarif.errors)}`);
  return { log, run: log.runs[0]! };
}

// --- a small XML 1.0 well-formedness check (elements, attributes, references) -------------

const REFERENCE = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
const NAME = '[A-Za-z_][\\w.-]*';
const ATTRIBUTE = `\\s+${NAME}="[^"<]*"`;

function assertWellFormedXml(xml: string): void {
  assert.ok(!/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(xml), 'only XML 1.0 Chars');
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  assert.is.not(body, xml, 'starts with the XML declaration');
  const stack: string[] = [];
  let roots = 0;
  for (const [token] of body.matchAll(/<[^<>]*>|[^<]+|</g)) {
    if (!token.startsWith('<')) {
      assert.ok(stack.length > 0 || token.trim() === '', `text outside the root element: ${token}`);
      assert.not.match(token.replace(REFERENCE, ''), /[&>]/, `unescaped & or > in text: ${token}`);
      continue;
    }
    const close = new RegExp(`^</(${NAME})\\s*>$`).exec(token);
    if (close) {
      assert.is(stack.pop(), close[1], `</${close[1]}> closes the open element`);
      continue;
    }
    const open = new RegExp(`^<(${NAME})((?:${ATTRIBUTE})*)\\s*(/?)>$`).exec(token);
    assert.ok(open, `a well-formed tag: ${token}`);
    const names = [...open[2]!.matchAll(new RegExp(`(${NAME})="`, 'g'))].map((m) => m[1]);
    assert.is(new Set(names).size, names.length, `no attribute twice in ${token}`);
    assert.not.match(open[2]!.replace(REFERENCE, ''), /&/, `unescaped & in ${token}`);
    if (stack.length === 0) roots++;
    if (!open[3]) stack.push(open[1]!);
  }
  assert.equal(stack, [], 'every element is closed');
  assert.is(roots, 1, 'exactly one root element');
}

function unescapeXml(text: string): string {
  return text.replace(REFERENCE, (ref) => {
    const named: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
    if (named[ref]) return named[ref];
    return String.fromCodePoint(ref[2] === 'x' ? parseInt(ref.slice(3, -1), 16) : parseInt(ref.slice(2, -1), 10));
  });
}

function attribute(element: string, name: string): string | undefined {
  const value = new RegExp(`\\s${name}="([^"]*)"`).exec(element)?.[1];
  return value === undefined ? undefined : unescapeXml(value);
}

function testcases(xml: string): string[] {
  return [...xml.matchAll(/<testcase\b[^>]*?(?:\/>|>[\s\S]*?<\/testcase>)/g)].map((m) => m[0]);
}

// --- the suite -------------------------------------------------------------------------------

const formats = suite('cli format');

formats('table opens with DENY, the environment, application, bundle revision and decision id', () => {
  const { stdout, summaryMarkdown } = formatDecision(DENIED, { format: 'table', request: REQUEST });
  const [headline, details] = stdout.split('\n');
  assert.match(headline!, /^DENY\b/);
  assert.match(headline!, /payments/);
  assert.match(headline!, /production/);
  assert.match(details!, /2026\.11\.28-4f1c8b2/);
  assert.match(details!, /0193a6f2-7c1e-7b3a-9d4e-5f6a7b8c9d0e/);
  assert.is(summaryMarkdown, undefined);
});

formats('table groups denies by severity, then warnings, then waived with waiver, approver and expiry', () => {
  const { stdout } = formatDecision(DENIED, { format: 'table', request: REQUEST });
  const order = ['Blocking', 'CRITICAL', 'DFW-GIT-001', 'HIGH', 'DFW-SCAN-001', 'DFW-CHANGE-001', 'Warnings', 'MEDIUM', 'DFW-CLOUD-001', 'Waived', 'DFW-VULN-001']
    .map((text) => [text, stdout.indexOf(text)] as const);
  for (const [text, at] of order) assert.ok(at >= 0, `${text} is shown`);
  for (let i = 1; i < order.length; i++) assert.ok(order[i - 1]![1] < order[i]![1], `${order[i - 1]![0]} comes before ${order[i]![0]}`);
  assert.ok(stdout.includes('Deployed branch is protected'), 'rule title');
  assert.ok(stdout.includes('branch github.com/acme/payments@main is not protected'), 'message');
  assert.ok(stdout.includes('\n        In the repository\'s settings') && stdout.includes('\n        least one approving review'), 'remediation is indented, every line');
  const waived = stdout.slice(stdout.indexOf('Waived'));
  for (const text of ['WVR-2026-0042', 'security-lead@acme.example', '2026-12-15T00:00:00Z']) assert.ok(waived.includes(text), `waived shows ${text}`);
  assert.ok(!stdout.includes('LOW'), 'empty severity groups are left out');
});

formats('table has no colour codes without color, even when a message carries an ESC', () => {
  const { stdout } = formatDecision(DENIED, { format: 'table', request: REQUEST });
  assert.not.ok(stdout.includes(ESC));
  assert.not.ok(stdout.includes('\u0000'));
  assert.ok(stdout.includes('<script>alert("x")</script>'), 'the rest of the message is kept');
});

formats('table is coloured with color, and only by its own SGR sequences', () => {
  const { stdout } = formatDecision(DENIED, { format: 'table', color: true, request: REQUEST });
  assert.ok(stdout.includes(ESC));
  assert.ok(stdout.startsWith(`${ESC}[1;31mDENY${ESC}[0m`), 'DENY in bold red');
  assert.not.ok(stdout.includes(`${ESC}[2J`), 'the message\'s own escape sequence is neutralised');
});

formats('table of an allowed deployment says ALLOW and that no rule reported a violation', () => {
  const { stdout } = formatDecision(ALLOWED, { format: 'table', request: { application: 'payments' } });
  assert.match(stdout, /^ALLOW {2}deployment of payments to staging\n/);
  assert.ok(stdout.includes('No rule reported a violation.'));
  assert.not.ok(stdout.includes('Blocking'));
  const colored = formatDecision(ALLOWED, { format: 'table', color: true }).stdout;
  assert.ok(colored.startsWith(`${ESC}[1;32mALLOW`), 'ALLOW in bold green');
});

formats('json round-trips the decision', () => {
  for (const decision of [DENIED, ALLOWED]) {
    const { stdout } = formatDecision(decision, { format: 'json' });
    assert.equal(JSON.parse(stdout), decision);
    assert.ok(stdout.endsWith('}\n'));
  }
});

formats('sarif is a valid SARIF 2.1.0 log naming dfw, its version and the schema', () => {
  const { log, run } = sarifOf(DENIED, REQUEST, CATALOG);
  const { $schema, version } = log as { $schema: string; version: string };
  assert.is($schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.is(version, '2.1.0');
  assert.is(run.tool.driver.name, 'dfw');
  assert.is(run.tool.driver.version, '2026.11.28-4f1c8b2');
  assert.match(run.tool.driver.informationUri, /^https:\/\//);
  assert.equal(run.versionControlProvenance, [{ repositoryUri: 'https://github.com/acme/payments', revisionId: '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e' }]);
});

formats('sarif reports every violation with a rule from rules[], a location and the right level', () => {
  const { run } = sarifOf(DENIED, REQUEST, CATALOG);
  const rules = run.tool.driver.rules;
  assert.is(rules.length, CATALOG.length, 'every catalog rule is described');
  assert.is(run.results.length, 5, '3 denied + 1 warned + 1 waived');
  for (const result of run.results) {
    assert.is(rules[result.ruleIndex]?.id, result.ruleId, `${result.ruleId}: ruleIndex points at its rule`);
    assert.ok(result.locations.length >= 1, `${result.ruleId} has a location (GitHub requires one)`);
    const { artifactLocation, region } = result.locations[0]!.physicalLocation;
    // A repository is named and the request names no file: one stable repository-relative path.
    assert.equal(artifactLocation, { uri: '.dfw/payments', uriBaseId: '%SRCROOT%' });
    assert.is(region.startLine, 1);
  }
  const fingerprints = run.results.map((r) => r.partialFingerprints.primaryLocationLineHash);
  assert.ok(fingerprints.every((f) => /^[0-9a-f]{16}:1$/.test(f ?? '')), 'GitHub\'s primaryLocationLineHash on every result');
  assert.is(new Set(fingerprints).size, fingerprints.length, 'one fingerprint per result');
  assert.equal(sarifOf(DENIED, REQUEST).run.results.map((r) => r.partialFingerprints.primaryLocationLineHash), fingerprints, 'stable from run to run');
  const levels = Object.fromEntries(run.results.map((r) => [r.ruleId, r.level]));
  assert.equal(levels, { 'DFW-GIT-001': 'error', 'DFW-SCAN-001': 'error', 'DFW-CHANGE-001': 'error', 'DFW-CLOUD-001': 'warning', 'DFW-VULN-001': 'note' });
  assert.is(run.results.find((r) => r.ruleId === 'DFW-SCAN-001')!.message.text, SCANNING.message, 'message text is the violation message');
});

formats('sarif rules carry security-severity by severity, tags, and remediation as help', () => {
  const { run } = sarifOf(DENIED, REQUEST, CATALOG);
  const bySeverity: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };
  for (const entry of CATALOG) {
    const rule = run.tool.driver.rules.find((r) => r.id === entry.id)!;
    assert.is(rule.properties['security-severity'], bySeverity[entry.severity], `${entry.id} security-severity`);
    assert.equal(rule.properties.tags, [entry.category, 'security']);
    assert.is(rule.shortDescription.text, entry.title);
    assert.is(rule.fullDescription.text, entry.description);
    assert.equal(rule.help, { text: entry.remediation, markdown: entry.remediation });
    assert.match(rule.name, /^[A-Z][A-Za-z0-9]*$/);
  }
});

formats('sarif marks waived results as suppressed by an external waiver, and only those', () => {
  const { run } = sarifOf(DENIED, REQUEST, CATALOG);
  for (const result of run.results) {
    if (result.ruleId === 'DFW-VULN-001') {
      assert.is(result.suppressions?.length, 1);
      assert.is(result.suppressions![0]!.kind, 'external');
      assert.match(result.suppressions![0]!.justification, /WVR-2026-0042.*security-lead@acme\.example.*2026-12-15T00:00:00Z/);
    } else {
      assert.is(result.suppressions, undefined, `${result.ruleId} is not suppressed`);
    }
  }
});

formats('sarif derives rules from the violations when there is no catalog', () => {
  for (const rules of [undefined, []]) {
    const { run } = sarifOf(DENIED, REQUEST, rules);
    assert.equal(run.tool.driver.rules.map((r) => r.id), ['DFW-GIT-001', 'DFW-SCAN-001', 'DFW-CHANGE-001', 'DFW-CLOUD-001', 'DFW-VULN-001']);
    const cloud = run.tool.driver.rules.find((r) => r.id === 'DFW-CLOUD-001')!;
    assert.is(cloud.properties['security-severity'], '5.5');
    assert.equal(cloud.help, { text: REMEDIATION.cloud, markdown: REMEDIATION.cloud });
  }
});

formats('sarif points a result at the file it concerns: the workflow, the Dockerfile, the manifest', () => {
  const workflow = violation('DFW-BUILD-001', 'Workflow tokens have minimum permissions', 'high', 'build',
    'workflow .github/workflows/deploy.yml grants write-all at the top level', 'Add a top-level permissions: block.', 'workflows[.github/workflows/deploy.yml].permissions = write-all');
  const decision: Decision = { ...DENIED, deny: { critical: [BRANCH], high: [workflow], medium: [], low: [] }, warn: { ...DENIED.warn, medium: [LATEST] } };
  const files = { ...REQUEST, source: { ...REQUEST.source, dockerfile: './docker/api.Dockerfile', manifest: 'deploy/k8s/payments.yaml' } };
  const uriOf = (run: SarifRun, rule: string) => run.results.find((r) => r.ruleId === rule)!.locations[0]!.physicalLocation.artifactLocation.uri;
  const named = sarifOf(decision, files).run;
  assert.is(uriOf(named, 'DFW-BUILD-001'), '.github/workflows/deploy.yml');
  assert.is(uriOf(named, 'DFW-VULN-001'), 'docker/api.Dockerfile');
  assert.is(uriOf(named, 'DFW-GIT-001'), 'deploy/k8s/payments.yaml');
  // The GitHub workflow commands attach the same findings to the same files.
  const annotations = formatDecision(decision, { format: 'github', request: files }).stdout.split('\n');
  assert.ok(annotations.some((l) => l.startsWith('::error file=.github/workflows/deploy.yml,title=DFW-BUILD-001')), annotations.join('\n'));
  assert.ok(annotations.some((l) => l.startsWith('::error file=deploy/k8s/payments.yaml,title=DFW-GIT-001')));
  assert.ok(formatDecision(decision, { format: 'github', request: REQUEST }).stdout.split('\n').some((l) => l.startsWith('::error title=DFW-GIT-001')), 'no file= without a named file');
  const unnamed = sarifOf(decision, REQUEST).run;
  assert.is(uriOf(unnamed, 'DFW-BUILD-001'), '.github/workflows/deploy.yml', 'the workflow is known from the evidence alone');
  assert.is(uriOf(unnamed, 'DFW-GIT-001'), '.dfw/payments');
});

formats('sarif locates results at the image, or the application, when there is no repository', () => {
  const byImage = sarifOf(DENIED, { application: 'payments', image: 'registry.example.com/payments/api:1.4.2' }).run;
  assert.ok(byImage.results.every((r) => r.locations[0]!.physicalLocation.artifactLocation.uri === 'docker://registry.example.com/payments/api'));
  assert.is(byImage.versionControlProvenance, undefined);
  const bare = sarifOf(DENIED).run;
  assert.ok(bare.results.every((r) => r.locations[0]!.physicalLocation.artifactLocation.uri === 'production'));
});

formats('sarif of an allowed deployment is valid with no results', () => {
  const { run } = sarifOf(ALLOWED, REQUEST, CATALOG);
  assert.equal(run.results, []);
  assert.is(run.tool.driver.rules.length, CATALOG.length);
});

formats('junit is well-formed XML whose counts match its testcases', () => {
  for (const [decision, rules] of [[DENIED, CATALOG], [DENIED, undefined], [ALLOWED, CATALOG]] as const) {
    const { stdout } = formatDecision(decision, { format: 'junit', request: REQUEST, rules });
    assertWellFormedXml(stdout);
    const cases = testcases(stdout);
    for (const element of ['testsuites', 'testsuite']) {
      const tag = new RegExp(`<${element}\\b[^>]*>`).exec(stdout)![0];
      assert.is(Number(attribute(tag, 'tests')), cases.length, `${element} tests`);
      assert.is(Number(attribute(tag, 'failures')), cases.filter((c) => c.includes('<failure')).length, `${element} failures`);
      assert.is(Number(attribute(tag, 'skipped')), cases.filter((c) => c.includes('<skipped')).length, `${element} skipped`);
    }
  }
});

formats('junit has one testcase per rule: failure for deny, system-out for warn, skipped for waived', () => {
  const { stdout } = formatDecision(DENIED, { format: 'junit', request: REQUEST });
  assert.match(stdout, /<testsuite name="dfw production" tests="5" failures="3" errors="0" skipped="1"/);
  const cases = Object.fromEntries(testcases(stdout).map((c) => [attribute(c, 'name')!, c]));
  const branch = cases['DFW-GIT-001 Deployed branch is protected']!;
  assert.is(attribute(branch, 'classname'), 'git');
  assert.match(branch, /<failure message="branch github\.com\/acme\/payments@main is not protected" type="critical">/);
  const latest = cases[`DFW-CLOUD-001 ${LATEST.title}`]!;
  assert.not.match(latest, /<failure|<skipped/);
  assert.match(latest, /<system-out>warning \(medium\): deploying 1\.4\.2/);
  const cve = cases[`DFW-VULN-001 ${CVE.title}`]!;
  assert.match(attribute(cve.match(/<skipped[^>]*>/)![0], 'message')!, /WVR-2026-0042.*security-lead@acme\.example.*2026-12-15T00:00:00Z/);
});

formats('junit escapes markup, quotes and ampersands, and drops characters XML 1.0 forbids', () => {
  const { stdout } = formatDecision(DENIED, { format: 'junit', request: REQUEST });
  assert.not.ok(stdout.includes('<script>'));
  assert.not.ok(stdout.includes(ESC) || stdout.includes('\u0000'));
  assert.ok(stdout.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;quotes&apos;'));
  const scanning = testcases(stdout).find((c) => attribute(c, 'name')!.startsWith('DFW-SCAN-001'))!;
  const failure = scanning.match(/<failure[^>]*>/)![0];
  assert.is(attribute(failure, 'message'), SCANNING.message.replace(/[\u0000\u001b]/g, ''), 'the message survives, newline included');
  assert.ok(failure.includes('&#10;and 100% of inputs'), 'a newline in an attribute is a character reference');
});

formats('junit lists the catalog rules that passed as passing testcases, and rules off here as skipped', () => {
  const { stdout } = formatDecision(DENIED, { format: 'junit', request: REQUEST, rules: CATALOG });
  const cases = testcases(stdout);
  assert.is(cases.length, CATALOG.length);
  const review = cases.find((c) => attribute(c, 'name') === 'DFW-REVIEW-001 An approved security review')!;
  assert.match(review, /^<testcase classname="review" name="[^"]*" time="0"\/>$/);
  const build = cases.find((c) => attribute(c, 'name')!.startsWith('DFW-BUILD-001'))!;
  assert.match(build, /<skipped message="DFW-BUILD-001 is off in production"\/>/);
  assert.match(stdout, /<testsuite name="dfw production" tests="7" failures="3" errors="0" skipped="2"/);
});

formats('github writes ::error for deny, ::warning for warn and ::notice for waived, titled RULE-ID (severity)', () => {
  const { stdout } = formatDecision(DENIED, { format: 'github', request: REQUEST });
  const lines = stdout.trimEnd().split('\n');
  const commands = lines.slice(0, -1);
  assert.equal(commands.map((line) => /^::(\w+) /.exec(line)?.[1]), ['error', 'error', 'error', 'warning', 'notice']);
  assert.ok(commands[0]!.startsWith('::error title=DFW-GIT-001 (critical)::branch github.com/acme/payments@main is not protected%0A'));
  assert.ok(commands[3]!.startsWith('::warning title=DFW-CLOUD-001 (medium)::deploying 1.4.2'));
  assert.ok(commands[4]!.startsWith('::notice title=DFW-VULN-001 (critical)::Waived by WVR-2026-0042'));
  assert.match(lines.at(-1)!, /^dfw: DENY production \(3 blocking, 1 warning, 1 waived\)/);
});

formats('github escapes newlines, carriage returns and percent signs so a message cannot start a command', () => {
  const { stdout } = formatDecision(DENIED, { format: 'github', request: REQUEST });
  const scanning = stdout.split('\n').find((line) => line.includes('DFW-SCAN-001'))!;
  assert.ok(scanning.includes("& 'quotes'%0Aand 100%25 of inputs"), 'newline as %0A, percent as %25');
  assert.not.ok(stdout.includes(ESC) || stdout.includes('\u0000'), 'control characters are replaced');
  assert.ok(stdout.split('\n').every((line) => line === '' || line.startsWith('::') || line.startsWith('dfw: ')));
  assert.is(escapeData('a%b\r\nc'), 'a%25b%0D%0Ac');
  assert.is(escapeProperty('DFW-X (high), see: docs\n'), 'DFW-X (high)%2C see%3A docs%0A');
  const hostile = { ...ALLOWED, environment: 'staging\n::add-mask::secret' };
  assert.ok(formatDecision(hostile, { format: 'github' }).stdout.split('\n').every((line) => !line.startsWith('::add-mask')));
});

formats('github summary has a heading with ❌ and the environment, and tables of blocking, warnings and waived', () => {
  const { summaryMarkdown } = formatDecision(DENIED, { format: 'github', request: REQUEST });
  assert.ok(summaryMarkdown);
  const md = summaryMarkdown!;
  assert.match(md, /^## ❌ .*production/);
  const sections = ['### Blocking (3)', '### Warnings (1)', '### Waived (1)'].map((heading) => md.indexOf(heading));
  assert.ok(sections.every((at, i) => at > 0 && (i === 0 || at > sections[i - 1]!)), 'blocking, then warnings, then waived');
  assert.match(md, /\| critical \| DFW-GIT-001 \| Deployed branch is protected \|/);
  assert.match(md, /\| critical \| DFW-VULN-001 \|.*\| WVR-2026-0042 \| security-lead@acme\.example \| 2026-12-15T00:00:00Z \|/);
  const scanningRow = md.split('\n').find((line) => line.includes('DFW-SCAN-001'))!;
  assert.is(scanningRow.split(/(?<!\\)\|/).length, 7, 'a | or newline in a message stays inside its cell');
  assert.ok(scanningRow.includes('\\<script\\>'), 'markup is escaped, not rendered');
});

formats('github summary of an allowed deployment says ✅ and that no rule reported a violation', () => {
  const { stdout, summaryMarkdown } = formatDecision(ALLOWED, { format: 'github', request: REQUEST });
  assert.match(summaryMarkdown!, /^## ✅ .*staging/);
  assert.ok(summaryMarkdown!.includes('No rule reported a violation.'));
  assert.is(stdout, `dfw: ALLOW staging (0 blocking, 0 warnings, 0 waived) decision ${ALLOWED.decision_id}\n`);
});

formats('every output format ends its output with a newline; only github has a summary', () => {
  assert.equal([...OUTPUT_FORMATS], ['table', 'json', 'sarif', 'junit', 'github']);
  for (const format of OUTPUT_FORMATS) {
    const out = formatDecision(DENIED, { format, request: REQUEST, rules: CATALOG });
    assert.ok(out.stdout.endsWith('\n'), format);
    assert.is(out.summaryMarkdown !== undefined, format === 'github', format);
  }
});

formats('progress rewrites one stderr line on a terminal, at most every 200 ms, and clears it; off a terminal it writes nothing', () => {
  let clock = 0;
  const written: string[] = [];
  const tty = terminalProgress({ isTTY: true, write: (t: string) => written.push(t) }, () => clock);
  tty.update('500 decisions');
  clock = 100;
  tty.update('1,000 decisions'); // too soon: skipped
  clock = 250;
  tty.update('1,500 decisions');
  tty.done();
  assert.equal(written, [`\r${ESC}[K500 decisions`, `\r${ESC}[K1,500 decisions`, `\r${ESC}[K`]);

  const piped: string[] = [];
  const off = terminalProgress({ isTTY: false, write: (t: string) => piped.push(t) });
  off.update('500 decisions');
  off.done();
  assert.equal(piped, []);
  const quiet: string[] = [];
  terminalProgress({ isTTY: true, write: (t: string) => quiet.push(t) }).done();
  assert.equal(quiet, [], 'nothing to clear when nothing was shown');
});

formats.run();
