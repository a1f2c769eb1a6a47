// A fast-check arbitrary of firewall input documents (DESIGN.md, "The input document") for
// the differential test: every evidence kind present, absent, null or malformed, with values
// drawn from small pools so that digests, commits, applications and waivers often match and
// often do not, and with request times that fall before, inside and after windows and expiries.
import fc from 'fast-check';

/** One generated evaluation: the input document and the request time the evaluator will set. */
export interface GeneratedCase {
  input: Record<string, unknown>;
  now: Date;
}

export const RULE_IDS = [
  'DFW-ARTIFACT-001',
  'DFW-BUILD-001',
  'DFW-CHANGE-001',
  'DFW-CHANGE-002',
  'DFW-CLOUD-001',
  'DFW-CONTAINER-001',
  'DFW-GIT-001',
  'DFW-REVIEW-001',
  'DFW-SCAN-001',
  'DFW-VULN-001',
  // Issue 15's supply-chain rules.
  'DFW-PROV-001',
  'DFW-REGISTRY-001',
  'DFW-SIGN-001',
  'DFW-SIGN-002',
  // Issue 16's rule pack.
  'DFW-ARTIFACT-002',
  'DFW-BUILD-002',
  'DFW-BUILD-003',
  'DFW-BUILD-004',
  'DFW-BUILD-005',
  'DFW-CHANGE-003',
  'DFW-GIT-002',
  'DFW-GIT-003',
  'DFW-GIT-004',
  'DFW-GIT-005',
  'DFW-GIT-006',
  'DFW-POSTURE-001',
  'DFW-PROMOTION-001',
  'DFW-SBOM-001',
  'DFW-SBOM-002',
  'DFW-SBOM-003',
  'DFW-SOURCE-001',
  'DFW-SOURCE-002',
  'DFW-VULN-002',
  'DFW-VULN-003',
  'DFW-WORKLOAD-001',
  'DFW-WORKLOAD-002',
  'DFW-WORKLOAD-003',
  'DFW-WORKLOAD-004',
  'DFW-WORKLOAD-005',
  'DFW-WORKLOAD-006',
] as const;

export const EVIDENCE_KINDS = [
  'branch_protection',
  'workflows',
  'code_scanning',
  'vulnerabilities',
  'container_scan',
  'registry',
  'runtime',
  'change_ticket',
  'security_review',
  'signatures',
  'attestations',
  'repository',
  'dependabot_alerts',
  'pull_request',
  'promotion',
  'scorecard',
  'sbom',
  'workload',
] as const;

/** Marks a key to leave out of its object (absent, as opposed to null). */
const ABSENT: unique symbol = Symbol('absent');
type Maybe<T> = T | typeof ABSENT;

/**
 * In a waiver, stands for the request's own value, resolved once the whole document is
 * drawn: a waiver only applies when rule, application, environment and digest all match,
 * which independent draws would almost never produce.
 */
const SAME_APPLICATION: unique symbol = Symbol('same application');
const SAME_ENVIRONMENT: unique symbol = Symbol('same environment');
const SAME_DIGEST: unique symbol = Symbol('same digest');

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
const HOUR_NS = 3_600n * NS_PER_SECOND;
const DAY_NS = 24n * HOUR_NS;

// Request times between 2020 and 2035; a few land exactly on second and day boundaries.
const EARLIEST_MS = Date.UTC(2020, 0, 1);
const LATEST_MS = Date.UTC(2035, 11, 31);

/**
 * Strings that stress message building and comparison: non-ASCII, combining marks, astral
 * characters, NUL, format verbs, quotes, line separators, characters whose lower case is
 * ASCII in Go (U+0130), and an unpaired surrogate: JSON.parse accepts "\ud800" in a request
 * body, JSON.stringify writes it back as that escape, Go's decoder (OPA) reads it as U+FFFD
 * and OPA's Wasm JSON parser refuses it, so the evaluator must rewrite it first.
 */
export const ODD_STRINGS = [
  'zahlungsverkehr-ü',
  '支付服务',
  '😀🚀',
  'e\u0301',
  'a\u0000b',
  '%s %d %v %%',
  '"quoted"',
  'back\\slash',
  'line\nbreak\ttab',
  '\u2028\u2029',
  '\ufeffbom',
  'İSTANBUL',
  'ǅ',
  '<unknown image>',
  ' ',
  '\ud800lone',
  'x\udc00',
] as const;

// storefront: the shipped freeze calendar covers it, so DFW-CHANGE-002 is exercised.
const APPLICATIONS = ['payments', 'ledger', 'zahlungsverkehr-ü', '支付服务', 'storefront'] as const;
const COMMITS = [
  '9f2c4e1b7a3d5c8e0f6b2a4d8c1e3f5a7b9d0c2e',
  'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  '9F2C4E1B7A3D5C8E0F6B2A4D8C1E3F5A7B9D0C2E',
] as const;
const DIGESTS = [
  'sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b',
  'sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b',
  'sha256:deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
] as const;
/**
 * Registry tags: semver, "v"-prefixed, pre-release, build metadata, and tags that are not
 * versions. No two pre-releases whose numeric identifiers exceed int64: OPA's semver.compare
 * never returns for those (src/engine/builtins/semver.ts), which would hang the oracle.
 */
const TAGS = [
  '1.4.2',
  '1.5.0',
  'v1.5.0',
  '1.5.0+build.7',
  '1.5.0-rc.1',
  '1.5.0-rc.2',
  '1.5.0-rc.10',
  '2.0.0-alpha',
  '2.0.0-alpha.1',
  '2.0.0-alpha.beta',
  '2.0.0-beta.2',
  '2.0.0-beta.11',
  'v2.0.0',
  '10.0.0',
  '9.99.99',
  'latest',
  'stable',
  'main',
  'V1.2.3',
  'vv1.2.3',
  '1.2',
  '01.2.3',
  '1.2.3.4',
  '1.0.0-01',
  '1.0.0+',
  ' 1.0.0',
  '9007199254740992.0.0',
  '9007199254740993.0.0',
  '9223372036854775807.0.0',
  '9223372036854775808.0.0',
  '1.0.0-rc.1+build.5',
  '١.٢.٣',
] as const;
const SEVERITY_TEXTS = ['critical', 'high', 'medium', 'low', 'CRITICAL', 'High', 'Low', 'warning', 'error', 'unknown', '', 'CRİTİCAL'] as const;
const STATES = ['approved', 'Approved', 'APPROVED', 'pending', 'rejected', 'assess', 'expired', 'approved ', ''] as const;
const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
const UNKNOWN_ENVIRONMENTS = ['qa', '', 'Production', 'prod-eu', '*'] as const;
const REQUESTERS = ['spinnaker', 'alice@acme.example', 'argo-cd'] as const;
const APPROVERS = ['bob@acme.example', 'spinnaker', 'alice@acme.example'] as const;
const SCOPES = ['contents', 'packages', 'id-token', 'actions', 'pull-requests', 'ünï-scope', 'zz'] as const;
const ACCESS_LEVELS = ['read', 'write', 'none', 'admin', 'Read'] as const;
const MALFORMED = ['yes', 0, 1.5, true, [], [1, 'two'], {}] as const;

/** Odd strings, sometimes; otherwise one of the realistic values. */
function text(...realistic: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: fc.constantFrom(...realistic), weight: 5 }, { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 1 });
}

/** A value that is usually `arb`, sometimes absent, null or of the wrong type. */
function field<T>(arb: fc.Arbitrary<T>, weights: { absent?: number; null?: number; malformed?: number } = {}): fc.Arbitrary<Maybe<unknown>> {
  return fc.oneof(
    { arbitrary: arb as fc.Arbitrary<unknown>, weight: 8 },
    { arbitrary: fc.constant(ABSENT), weight: weights.absent ?? 1 },
    { arbitrary: fc.constant(null), weight: weights.null ?? 1 },
    { arbitrary: fc.constantFrom<unknown>(...MALFORMED), weight: weights.malformed ?? 1 },
  );
}

/** A record whose ABSENT values are left out. */
function record(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(fields).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ABSENT)));
}

function list<T>(arb: fc.Arbitrary<T>, maxLength = 3): fc.Arbitrary<T[]> {
  return fc.array(arb, { maxLength });
}

/** Nanoseconds written as RFC 3339 in a zone `zoneMinutes` east of UTC, with only the fraction needed. */
export function formatRfc3339(instantNs: bigint, zoneMinutes: number, fullFraction: boolean): string {
  const localNs = instantNs + BigInt(zoneMinutes) * 60n * NS_PER_SECOND;
  let seconds = localNs / NS_PER_SECOND;
  let fraction = localNs % NS_PER_SECOND;
  if (fraction < 0n) {
    fraction += NS_PER_SECOND;
    seconds -= 1n;
  }
  const wall = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = fraction.toString().padStart(9, '0');
  const fractionText = fullFraction ? `.${digits}` : fraction === 0n ? '' : `.${digits.replace(/0+$/, '')}`;
  const abs = Math.abs(zoneMinutes);
  const zone = zoneMinutes === 0 ? 'Z' : `${zoneMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return wall + fractionText + zone;
}

/** Offsets from the request time: exactly on it, a nanosecond either side, and further. */
const OFFSETS_NS = [0n, 1n, -1n, 1_000n, -1_000n, NS_PER_MS, -NS_PER_MS, NS_PER_SECOND, -NS_PER_SECOND, HOUR_NS, -HOUR_NS, DAY_NS, -DAY_NS, 90n * DAY_NS, -90n * DAY_NS];

const UNPARSEABLE_TIMES = [
  '',
  'tomorrow',
  '2026-13-01T00:00:00Z',
  '2026-02-30T10:00:00Z',
  '2026-11-28 14:00:00Z',
  '2026-11-28T14:00:00',
  '2026-11-28t14:00:00z',
  '2026-11-28T24:00:00Z',
  '28/11/2026',
  '2262-04-11T23:47:16.854775808Z',
] as const;

/** A time relative to `nowNs` (in various zones and precisions), or text OPA cannot parse, or a non-string. */
function timeAround(nowNs: bigint): fc.Arbitrary<unknown> {
  const offset = fc.oneof(fc.constantFrom(...OFFSETS_NS), fc.bigInt(-2n * DAY_NS, 2n * DAY_NS));
  const zone = fc.constantFrom(0, 0, 60, -300, 330, -720, 840);
  const relative = fc.tuple(offset, zone, fc.boolean()).map(([o, z, full]) => formatRfc3339(nowNs + o, z, full));
  return fc.oneof(
    { arbitrary: relative, weight: 8 },
    { arbitrary: fc.constantFrom(...UNPARSEABLE_TIMES), weight: 2 },
    { arbitrary: fc.constantFrom<unknown>(null, 1795874400, true, {}), weight: 1 },
  );
}

/** A branch protection switch: usually on, sometimes off, absent or not a boolean. */
const setting = fc.oneof({ arbitrary: fc.constant<unknown>(true), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(false, ABSENT, null, 'true'), weight: 1 });

const branchProtection = record({
  protected: fc.oneof({ arbitrary: fc.constant<unknown>(true), weight: 12 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, false, 'true', 1), weight: 1 }),
  required_approving_reviews: field(
    fc.oneof(
      { arbitrary: fc.constantFrom<unknown>(1, 2, 6), weight: 8 },
      // Below one: zero, negative, fractions (formatted with %v by the rule), large magnitudes.
      { arbitrary: fc.constantFrom<unknown>(0, -1, 0.5, 0.25, 0.000123, 0.00001, 1e-7, -0.00005, -1e20, -1e21, -123456789012), weight: 2 },
      { arbitrary: fc.constantFrom<unknown>('2', '0'), weight: 1 },
    ),
  ),
  dismiss_stale_reviews: setting,
  require_code_owner_reviews: setting,
  required_status_checks: fc.oneof(
    { arbitrary: fc.constantFrom<unknown>(['ci/build'], ['ci/build', 'codeql']), weight: 8 },
    { arbitrary: fc.constantFrom<unknown>(['codeql']), weight: 1 },
    { arbitrary: fc.constantFrom<unknown>([], ABSENT, 'ci/build', [3, '']), weight: 1 },
  ),
  enforce_admins: setting,
  required_signatures: setting,
  allow_force_pushes: fc.oneof({ arbitrary: fc.constant<unknown>(false), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, true, 'false', 0), weight: 1 }),
  allow_deletions: fc.oneof({ arbitrary: fc.constant<unknown>(false), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, true, 'false', 0), weight: 1 }),
});

const permissionsMap = fc.dictionary(fc.constantFrom(...SCOPES), fc.oneof({ arbitrary: fc.constantFrom<unknown>(...ACCESS_LEVELS), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(null, 1, true), weight: 1 }), { maxKeys: 3 });

const permissions = fc.oneof(
  { arbitrary: fc.constant<unknown>(ABSENT), weight: 1 },
  { arbitrary: fc.constant<unknown>(null), weight: 2 },
  { arbitrary: fc.constantFrom<unknown>('read-all', 'write-all'), weight: 3 },
  { arbitrary: fc.constantFrom<unknown>('READ-ALL', 'read', '', 7, [], ['contents']), weight: 1 },
  { arbitrary: permissionsMap, weight: 5 },
);

const PINNED = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';

const step = fc.oneof(
  {
    arbitrary: record({
      name: field(text('checkout', 'build', 'announce'), { null: 0 }),
      uses: fc.oneof(
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 4 },
        { arbitrary: fc.constantFrom<unknown>(PINNED, './.github/actions/setup', 'docker://ghcr.io/acme/lint@sha256:4f1c8b2e9d7a6c5b3e2f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b'), weight: 8 },
        { arbitrary: fc.constantFrom<unknown>('actions/checkout@v4', 'actions/checkout@11bd719', 'docker://alpine:3.20', 'Actions/Checkout@' + '11bd71901bbe5b1630ceea73d27597364c9af683', 7), weight: 1 },
        { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 1 },
      ),
      run: fc.oneof(
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 4 },
        { arbitrary: fc.constantFrom<unknown>('npm ci && npm test', 'echo ${{ github.sha }} ${{ matrix.node }}'), weight: 6 },
        { arbitrary: fc.constantFrom<unknown>('echo "${{ github.event.issue.title }}"', 'echo ${{github.head_ref}} ${{ github.event.pull_request.body }}', 'git fetch origin refs/pull/${{ github.event.number }}/head && git checkout FETCH_HEAD', 42), weight: 1 },
      ),
      with: fc.oneof(
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 6 },
        { arbitrary: fc.constantFrom<unknown>({ ref: '${{ github.event.pull_request.head.sha }}' }, { ref: '${{ github.head_ref }}' }, { ref: 'main' }, { ref: 5 }, 'ref'), weight: 1 },
      ),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('npm test', null), weight: 1 },
);

const runsOn = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(['ubuntu-24.04'], ['ubuntu-latest']), weight: 8 },
  { arbitrary: fc.constantFrom<unknown>(['self-hosted', 'linux'], ['self-hosted'], ABSENT, 'self-hosted', [7]), weight: 2 },
);

const job = fc.oneof(
  {
    arbitrary: record({
      name: field(text('build', 'test', 'publish', 'release'), { null: 0 }),
      permissions,
      runs_on: runsOn,
      steps: fc.oneof({ arbitrary: list(step) as fc.Arbitrary<unknown>, weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, 'checkout'), weight: 1 }),
      uses: fc.oneof(
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 10 },
        { arbitrary: fc.constantFrom<unknown>('acme/shared/.github/workflows/release.yml@main', 'octo-org/shared/.github/workflows/release.yml@main', 'octo-org/shared/.github/workflows/release.yml@11bd71901bbe5b1630ceea73d27597364c9af683', 3), weight: 1 },
      ),
    }),
    weight: 8,
  },
  { arbitrary: fc.constantFrom<unknown>('build', 3, null), weight: 1 },
);

const workflow = fc.oneof(
  {
    arbitrary: record({
      path: field(text('.github/workflows/ci.yml', '.github/workflows/release.yml', '.github/workflows/nightly.yml'), { null: 0 }),
      on: fc.oneof(
        { arbitrary: fc.constantFrom<unknown>(['push'], ['push', 'pull_request']), weight: 8 },
        { arbitrary: fc.constantFrom<unknown>(['pull_request_target'], ['workflow_run', 'push'], ['issues'], ABSENT, 'push', [1]), weight: 2 },
      ),
      permissions,
      jobs: fc.oneof({ arbitrary: list(job), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, {}, 'build', { build: {} }), weight: 2 }),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('ci.yml', 42, null), weight: 1 },
);

const workflows = fc.oneof({ arbitrary: list(workflow), weight: 8 }, { arbitrary: fc.constantFrom<unknown>({ path: 'ci.yml' }, 'ci.yml', 3), weight: 1 });

const severity = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(...SEVERITY_TEXTS), weight: 10 },
  { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 3, ['high']), weight: 1 },
);

const codeFinding = fc.oneof(
  {
    arbitrary: record({
      rule: field(text('js/sql-injection', 'js/xss', 'py/path-injection'), { null: 0 }),
      severity,
      location: field(text('src/db.ts:42', 'src/app.ts:7'), { null: 0 }),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('js/xss', null), weight: 1 },
);

const findingsList = <T>(finding: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: list(finding, 4) as fc.Arbitrary<unknown>, weight: 10 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, {}, 'none'), weight: 1 });

const codeScanning = record({
  tool: field(text('CodeQL', 'Semgrep'), { null: 0 }),
  completed_at: fc.constant('2026-11-27T18:02:11Z'),
  commit: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...COMMITS), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 42), weight: 1 }),
  findings: findingsList(codeFinding),
});

const vulnerabilityFinding = (nowNs: bigint) => fc.oneof(
  {
    arbitrary: record({
      // CVE-2021-44228 is in the KEV catalog that ships in the bundle.
      id: field(text('CVE-2024-1234', 'CVE-2023-45853', 'GHSA-xxxx-yyyy', 'CVE-2021-44228', 'cve-2021-41773'), { null: 0 }),
      published_at: fc.oneof(
        { arbitrary: fc.constantFrom<unknown>(formatRfc3339(nowNs - 3n * DAY_NS, 0, false), formatRfc3339(nowNs - 29n * DAY_NS, 60, false)), weight: 6 },
        { arbitrary: fc.constantFrom<unknown>(formatRfc3339(nowNs - 31n * DAY_NS, 0, false), '2019-06-01T00:00:00Z'), weight: 2 },
        { arbitrary: timeAround(nowNs), weight: 1 },
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 1 },
      ),
      severity,
      package: field(text('openssl', 'musl', 'zlib'), { null: 0 }),
      installed_version: field(fc.constantFrom('3.0.1', '1.1.20-r4', ''), { null: 0 }),
      fixed_version: field(fc.constantFrom('3.0.2', '3.0.3', '1.1.20-r5', ''), { null: 0 }),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('CVE-2024-1234', 7), weight: 1 },
);

const vulnerabilities = (nowNs: bigint) =>
  record({
    tool: field(text('Trivy', 'Grype'), { null: 0 }),
    scanned_at: fc.constant('2026-11-27T18:05:40Z'),
    findings: findingsList(vulnerabilityFinding(nowNs)),
  });

const containerFinding = fc.oneof(
  {
    arbitrary: record({
      id: field(text('DS002', 'DS026', 'aws-secret-access-key'), { null: 0 }),
      severity,
      title: field(text("Image user should not be 'root'", 'AWS Secret Access Key'), { null: 0 }),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('DS002', false), weight: 1 },
);

const containerScan = record({ tool: field(text('Trivy'), { null: 0 }), findings: findingsList(containerFinding) });

const registry = record({
  digest: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...DIGESTS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, '', 42), weight: 1 }),
  tags: fc.oneof(
    { arbitrary: fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom(...TAGS), weight: 8 }, { arbitrary: fc.constantFrom(...ODD_STRINGS), weight: 1 }), fc.oneof({ arbitrary: fc.constantFrom<unknown>(...DIGESTS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(null, 5), weight: 1 }), { maxKeys: 5 }), weight: 10 },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, null, ['1.5.0'], '1.5.0'), weight: 1 },
  ),
  latest: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...TAGS), weight: 3 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 150), weight: 2 }),
  base_image: fc.oneof(
    { arbitrary: fc.constantFrom<unknown>('gcr.io/distroless/nodejs22-debian12:nonroot', 'registry.example.com/base/node:22'), weight: 8 },
    { arbitrary: fc.constantFrom<unknown>('docker.io/library/node:22', ABSENT, '', 5), weight: 2 },
  ),
});

const workload = fc.oneof(
  {
    arbitrary: record({
      cluster: field(text('prod-eu', 'prod-us'), { null: 0 }),
      namespace: field(text('payments'), { null: 0 }),
      name: field(text('payments-api', 'payments-api-canary'), { null: 0 }),
      image: field(text('registry.example.com/payments/api:1.5.0'), { null: 0 }),
      digest: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...DIGESTS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 'sha256:0000', 9), weight: 1 }),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('payments-api', null), weight: 1 },
);

const runtime = record({
  workloads: fc.oneof({ arbitrary: list(workload) as fc.Arbitrary<unknown>, weight: 10 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, {}, 'none'), weight: 1 }),
});

function changeTicket(nowNs: bigint): fc.Arbitrary<Record<string, unknown>> {
  return record({
    id: fc.oneof({ arbitrary: text('CHG0012345', 'CHG0099999'), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 12345), weight: 1 }),
    system: fc.constant('servicenow'),
    state: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...STATES), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 1, ...ODD_STRINGS.slice(0, 3)), weight: 1 }),
    approved_by: fc.constant(['cab@acme.example']),
    window: fc.oneof(
      { arbitrary: fc.constantFrom<unknown>(ABSENT, null), weight: 2 },
      { arbitrary: record({ start: field(timeAround(nowNs), { null: 0, malformed: 0 }), end: field(timeAround(nowNs), { null: 0, malformed: 0 }) }), weight: 6 },
      { arbitrary: fc.constantFrom<unknown>('2026-11-28T14:00:00Z/2026-11-28T18:00:00Z', [], {}), weight: 1 },
    ),
  });
}

const securityReview = record({
  state: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...STATES), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, true, ...ODD_STRINGS.slice(0, 3)), weight: 1 }),
  reviewer: fc.oneof({ arbitrary: text('appsec@acme.example'), weight: 4 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 5), weight: 1 }),
  completed_at: fc.constant('2026-11-26T10:00:00Z'),
});

const enabled = fc.oneof({ arbitrary: fc.constant<unknown>('enabled'), weight: 8 }, { arbitrary: fc.constantFrom<unknown>('disabled', 'Enabled', ABSENT, null, true), weight: 1 });

const repository = record({
  visibility: fc.oneof({ arbitrary: fc.constantFrom<unknown>('private', 'internal'), weight: 8 }, { arbitrary: fc.constantFrom<unknown>('public', 'PRIVATE', ABSENT, 3), weight: 2 }),
  secret_scanning: enabled,
  secret_scanning_push_protection: enabled,
});

const dependabotAlert = fc.oneof(
  {
    arbitrary: record({
      number: field(fc.constantFrom(7, 31, 1287), { null: 0 }),
      severity: fc.oneof({ arbitrary: fc.constantFrom<unknown>('low', 'medium', 'high'), weight: 8 }, { arbitrary: fc.constantFrom<unknown>('critical', 'CRITICAL', ABSENT, 4), weight: 1 }),
      package: field(text('lodash', 'cookie'), { null: 0 }),
      advisory: field(text('GHSA-jf85-cpcp-j695'), { null: 0 }),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('GHSA-jf85-cpcp-j695', null), weight: 1 },
);

const dependabotAlerts = record({ open: findingsList(dependabotAlert) });

const PEOPLE = ['alice', 'bob', 'Alice', 'spinnaker', 'alice@acme.example'] as const;

const pullRequest = record({
  number: field(fc.constantFrom(1287, 42), { null: 0 }),
  author: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...PEOPLE), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 5, ...ODD_STRINGS.slice(0, 2)), weight: 1 }),
  approved_by: fc.oneof(
    { arbitrary: fc.array(fc.oneof({ arbitrary: fc.constantFrom<unknown>('bob', 'carol', ...PEOPLE), weight: 8 }, { arbitrary: fc.constantFrom<unknown>('', 3, null), weight: 1 }), { maxLength: 3 }), weight: 10 },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, 'bob'), weight: 1 },
  ),
});

function promotion(nowNs: bigint): fc.Arbitrary<Record<string, unknown>> {
  const first = record({
    first_at: fc.oneof(
      { arbitrary: fc.constantFrom<unknown>(formatRfc3339(nowNs - 2n * DAY_NS, 0, false), formatRfc3339(nowNs - 30n * DAY_NS, 330, true)), weight: 8 },
      { arbitrary: timeAround(nowNs), weight: 2 },
      { arbitrary: fc.constantFrom<unknown>(null, ABSENT), weight: 1 },
    ),
    decision_id: fc.constant('0193a0c4-1f2e-7b3c-9d4e-5f6a7b8c9d0e'),
  });
  return record({
    allowed: fc.oneof(
      { arbitrary: record({ staging: first, development: fc.oneof({ arbitrary: fc.constant(ABSENT), weight: 3 }, { arbitrary: first, weight: 1 }) }), weight: 8 },
      { arbitrary: record({ development: first }), weight: 1 },
      { arbitrary: fc.constantFrom<unknown>({}, ABSENT, 'staging'), weight: 1 },
    ),
  });
}

const scorecardCheck = record({
  name: fc.constantFrom<unknown>('Dangerous-Workflow', 'Token-Permissions', 'Branch-Protection', 'Pinned-Dependencies'),
  score: fc.oneof({ arbitrary: fc.constant<unknown>(10), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(5, 4, 0, -1, 9.5, '10', null), weight: 2 }),
});

const scorecard = record({
  tool: fc.constant('OpenSSF Scorecard'),
  score: fc.oneof({ arbitrary: fc.constantFrom<unknown>(8.2, 7, 10, 9.5), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(6.9, 3, 0, 0.1, 1e-7, '8', null, ABSENT), weight: 2 }),
  checks: fc.oneof(
    { arbitrary: fc.constant<unknown>([{ name: 'Dangerous-Workflow', score: 10 }, { name: 'Token-Permissions', score: 9 }]), weight: 6 },
    { arbitrary: list(scorecardCheck, 4), weight: 3 },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, 'checks'), weight: 1 },
  ),
});

const LICENSE_TERMS = ['MIT', 'Apache-2.0', 'GPL-3.0-only', 'AGPL-3.0-or-later', 'GPL-2.0-only WITH Classpath-exception-2.0', 'GPL-2.0-only WITH Bison-exception-2.2'] as const;

const sbomComponent = fc.oneof(
  {
    arbitrary: record({
      name: field(text('zlib', 'express', 'log4j-core', 'event-stream', 'xz-utils', 'lodash', 'colors', 'request'), { null: 0 }),
      version: fc.oneof(
        { arbitrary: fc.constantFrom<unknown>('1.3.1', '2.17.1', '4.0.1', '5.6.2'), weight: 6 },
        { arbitrary: fc.constantFrom<unknown>('2.14.1', '3.3.6', 'v5.6.1', '5.6', '1.2.13-r1', ABSENT, 7), weight: 2 },
      ),
      purl: fc.oneof(
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 4 },
        { arbitrary: fc.constantFrom<unknown>('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'pkg:npm/log4j-core@2.14.1', 'pkg:npm/lodash@4.17.20'), weight: 2 },
      ),
      licenses: fc.oneof(
        { arbitrary: fc.constantFrom<unknown>(['MIT'], ['Apache-2.0'], []), weight: 6 },
        { arbitrary: fc.constantFrom<unknown>(['MIT OR GPL-3.0-only'], ['(MIT AND AGPL-3.0-or-later)'], ['GPL-3.0-only'], ABSENT, 'MIT'), weight: 2 },
      ),
      license_choices: fc.oneof(
        { arbitrary: fc.constant<unknown>(ABSENT), weight: 4 },
        { arbitrary: fc.array(fc.array(fc.oneof({ arbitrary: fc.constantFrom<unknown>('MIT', 'Apache-2.0'), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(...LICENSE_TERMS), weight: 3 }, { arbitrary: fc.constantFrom<unknown>(7, null), weight: 1 }), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }), weight: 5 },
        { arbitrary: fc.constantFrom<unknown>([], 'MIT', [['MIT'], 'GPL-3.0-only'], [['GPL-3.0-only', 7]]), weight: 1 },
      ),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('zlib', null), weight: 1 },
);

const sbom = record({ format: fc.constantFrom('cyclonedx', 'spdx'), spec_version: fc.constant('1.6'), components: findingsList(sbomComponent) });

/** Mostly the restricted setting, sometimes its opposite, absent or of the wrong type. */
function restricted(good: unknown, ...bad: unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: fc.constant(good), weight: 8 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
}

const securityContext = fc.oneof(
  {
    arbitrary: record({
      privileged: restricted(ABSENT, true, false, 'true', null),
      allowPrivilegeEscalation: restricted(false, true, ABSENT, 'false'),
      readOnlyRootFilesystem: restricted(true, false, ABSENT, 1),
      runAsNonRoot: restricted(ABSENT, true, false),
      runAsUser: restricted(ABSENT, 0, 10001, null),
      capabilities: fc.oneof(
        { arbitrary: fc.constant<unknown>({ drop: ['ALL'] }), weight: 8 },
        { arbitrary: fc.constantFrom<unknown>({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, { drop: ['ALL'], add: ['SYS_ADMIN', 3] }, { drop: ['NET_RAW'] }, {}, ABSENT, 'ALL'), weight: 2 },
      ),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 'restricted'), weight: 1 },
);

const container = fc.oneof(
  {
    arbitrary: record({
      name: field(text('api', 'sidecar'), { null: 0 }),
      securityContext,
      resources: fc.oneof(
        { arbitrary: fc.constant<unknown>({ limits: { cpu: '500m', memory: '256Mi' } }), weight: 8 },
        { arbitrary: fc.constantFrom<unknown>({ limits: { cpu: 1, memory: '' } }, { requests: { cpu: '100m' } }, ABSENT, { limits: 'none' }), weight: 2 },
      ),
      ports: fc.oneof(
        { arbitrary: fc.constant<unknown>([{ containerPort: 8080 }]), weight: 8 },
        { arbitrary: fc.constantFrom<unknown>([{ containerPort: 80, hostPort: 80 }], [{ hostPort: 0 }], ABSENT, [7]), weight: 1 },
      ),
    }),
    weight: 10,
  },
  { arbitrary: fc.constantFrom<unknown>('api', null), weight: 1 },
);

const podSpec = record({
  securityContext: fc.oneof(
    { arbitrary: fc.constant<unknown>({ runAsNonRoot: true, runAsUser: 10001 }), weight: 8 },
    { arbitrary: fc.constantFrom<unknown>({ runAsNonRoot: false }, { runAsUser: 0, runAsNonRoot: true }, ABSENT, null, 'restricted'), weight: 2 },
  ),
  hostNetwork: restricted(ABSENT, true, false, 'yes'),
  hostPID: restricted(ABSENT, true, false),
  hostIPC: restricted(ABSENT, true),
  containers: fc.oneof({ arbitrary: fc.array(container, { minLength: 1, maxLength: 2 }) as fc.Arbitrary<unknown>, weight: 10 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, [], 'api'), weight: 1 }),
  initContainers: fc.oneof({ arbitrary: fc.constant<unknown>(ABSENT), weight: 6 }, { arbitrary: list(container, 1) as fc.Arbitrary<unknown>, weight: 1 }),
  ephemeralContainers: fc.oneof({ arbitrary: fc.constant<unknown>(ABSENT), weight: 8 }, { arbitrary: fc.constant<unknown>([{ name: 'debug' }]), weight: 1 }),
  volumes: fc.oneof(
    { arbitrary: fc.constant<unknown>([{ name: 'tmp', emptyDir: {} }]), weight: 8 },
    { arbitrary: fc.constantFrom<unknown>([{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }], [{ name: 'x', hostPath: null }], ABSENT, 'tmp'), weight: 1 },
  ),
});

const workloadEvidence = record({
  kind: field(text('Deployment', 'StatefulSet'), { null: 0 }),
  namespace: field(text('payments'), { null: 0 }),
  name: field(text('payments-api'), { null: 0 }),
  pod_spec: fc.oneof({ arbitrary: podSpec as fc.Arbitrary<unknown>, weight: 12 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 'spec'), weight: 1 }),
});

// Signature and attestation facts as the signatures collector records them
// (src/collect/trust/facts.ts): verified or not, over the deployed digest or another, from
// trusted, untrusted and builder identities, with SLSA provenance that matches or not.
const SIGNERS: unknown[] = [
  { key: 'sha256:c21203261141918569bf4a0255beca008185a9adfb80fd2b4b0c6a9519d4063c' },
  { key: 'sha256:0000' },
  { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/payments/.github/workflows/release.yml@refs/tags/v1.5.0' },
  { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0' },
  { issuer: 'https://accounts.google.com', subject: 'someone@example.com' },
  {},
  // The same generator at an older release: it may claim that release's builder id only.
  { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.2.0' },
];
const trustFields = {
  verified: fc.constantFrom<unknown>(true, true, true, false, ABSENT, 'yes'),
  location: field(text('registry.example.com/payments/api:sha256-4f1c.sig layer 0', 'pushed report 0193'), { null: 0 }),
  digest: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...DIGESTS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null), weight: 1 }),
  signer: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...SIGNERS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, 'key'), weight: 1 }),
  reason: fc.constantFrom<unknown>(ABSENT, 'the signature does not verify with any of the 1 key(s) dfw holds', ''),
};
const provenanceClaim = record({
  builder_id: fc.oneof(
    {
      arbitrary: fc.constantFrom<unknown>(
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0',
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v1.2.0',
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0@x',
        'https://ci.evil.example/builder',
      ),
      weight: 8,
    },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, 7), weight: 1 },
  ),
  source: fc.oneof(
    { arbitrary: record({ repository: field(text('github.com/acme/payments', 'github.com/evil/payments', 'GitHub.com/Acme/Payments'), { null: 0 }), commit: fc.constantFrom<unknown>(...COMMITS, ABSENT) }), weight: 8 },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, 'src'), weight: 1 },
  ),
  verified: fc.constantFrom<unknown>(true, false),
  unverified_reason: fc.constantFrom<unknown>(ABSENT, 'a bare in-toto statement carries no signature'),
});
const signatureFacts = list(fc.oneof({ arbitrary: record(trustFields), weight: 10 }, { arbitrary: fc.constantFrom<unknown>('sig', null), weight: 1 }));
// A provenance attestation that passes when the request names the first digest and commit,
// so that generated inputs also reach DFW-PROV-001 clean; and, less often, the same claim
// signed by the generator at another release, or claiming its workflow without a ref, which
// the rule refuses (a builder vouches only for its own ref).
const GENERATOR = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml';
const generatorProvenance = (signer: unknown, builderId: string): unknown => ({
  verified: true,
  location: 'registry.example.com/payments/api:sha256-4f1c.att layer 0',
  digest: DIGESTS[0],
  signer,
  predicate_type: 'https://slsa.dev/provenance/v1',
  provenance: {
    builder_id: builderId,
    source: { repository: 'github.com/acme/payments', commit: COMMITS[0] },
    verified: true,
  },
});
const matchingProvenance = fc.oneof(
  // slsa-github-generator's own identity: trust.builders credits its builder id to no other.
  { arbitrary: fc.constant(generatorProvenance(SIGNERS[3], `${GENERATOR}@refs/tags/v2.1.0`)), weight: 6 },
  { arbitrary: fc.constant(generatorProvenance(SIGNERS[6], `${GENERATOR}@refs/tags/v2.1.0`)), weight: 1 },
  { arbitrary: fc.constant(generatorProvenance(SIGNERS[3], `${GENERATOR}@refs/tags/v2.1.0@x`)), weight: 1 },
);
// A scan or SBOM attestation the trusted release key signed over the first digest, with the
// evidence the host read from its predicate (src/collect/trust/predicate-evidence.ts), or the
// reason it could not: what the rules judge where an environment requires the kind verified.
const VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';
const signedEvidence = (nowNs: bigint) =>
  record({
    verified: fc.constantFrom<unknown>(true, true, true, false),
    location: fc.constantFrom<unknown>('registry.example.com/payments/api:sha256-4f1c.att layer 1', 'pushed report 0194', ABSENT),
    // Over the deployed digest (resolved like the waivers' SAME_DIGEST), mostly.
    digest: fc.oneof({ arbitrary: fc.constant<unknown>(SAME_DIGEST), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(DIGESTS[1], ABSENT), weight: 1 }),
    signer: fc.oneof({ arbitrary: fc.constant<unknown>(SIGNERS[0]), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(...SIGNERS.slice(1)), weight: 2 }),
    predicate_type: fc.oneof(
      { arbitrary: fc.constant<unknown>(VULN_PREDICATE), weight: 6 },
      { arbitrary: fc.constantFrom<unknown>('https://cyclonedx.org/bom', 'https://spdx.dev/Document', ABSENT), weight: 3 },
    ),
    evidence: fc.oneof(
      {
        arbitrary: record({
          vulnerabilities: fc.oneof({ arbitrary: vulnerabilities(nowNs), weight: 6 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, 'v'), weight: 1 }),
          container_scan: fc.oneof({ arbitrary: containerScan, weight: 4 }, { arbitrary: fc.constant<unknown>(ABSENT), weight: 2 }),
          sbom: fc.oneof({ arbitrary: sbom, weight: 5 }, { arbitrary: fc.constant<unknown>(ABSENT), weight: 2 }),
        }),
        weight: 10,
      },
      { arbitrary: fc.constantFrom<unknown>(ABSENT, 'e'), weight: 2 },
    ),
    evidence_reason: fc.constantFrom<unknown>(ABSENT, ABSENT, 'the signed https://cosign.sigstore.dev/attestation/vuln/v1 predicate cannot be read as evidence: the vuln predicate has no scanner object'),
  });
const attestationFacts = (nowNs: bigint) => list(
  fc.oneof(
    { arbitrary: matchingProvenance, weight: 8 },
    { arbitrary: signedEvidence(nowNs), weight: 8 },
    {
      arbitrary: record({
        ...trustFields,
        predicate_type: fc.constantFrom<unknown>('https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2', 'https://cosign.sigstore.dev/attestation/vuln/v1', 'https://cyclonedx.org/bom', ABSENT),
        provenance: fc.oneof({ arbitrary: provenanceClaim, weight: 6 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, 'p'), weight: 1 }),
      }),
      weight: 10,
    },
    { arbitrary: fc.constantFrom<unknown>('att', null), weight: 1 },
  ),
);

/** An evidence kind: present (well-formed or not), absent, null, or of the wrong type altogether. */
function evidenceSlot(present: fc.Arbitrary<unknown>): fc.Arbitrary<Maybe<unknown>> {
  return fc.oneof(
    { arbitrary: present, weight: 12 },
    { arbitrary: fc.constant(ABSENT), weight: 2 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.constantFrom<unknown>('unavailable', 0, true, [], [{}]), weight: 1 },
  );
}

const unavailableReason = fc.oneof(
  { arbitrary: fc.constant<unknown>(ABSENT), weight: 4 },
  { arbitrary: text('GitHub answered 401: Bad credentials', 'timed out after 5000 ms', 'no scan for this digest'), weight: 3 },
  { arbitrary: fc.constantFrom<unknown>('', null, 503, { status: 503 }), weight: 1 },
);

function waiver(nowNs: bigint): fc.Arbitrary<unknown> {
  const waiverObject = record({
    id: fc.oneof({ arbitrary: fc.constantFrom<unknown>('W-1', 'W-2', 'W-10', 'w-1', 'W-ü', '😀'), weight: 10 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, 42, null), weight: 1 }),
    rule: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...RULE_IDS), weight: 10 }, { arbitrary: fc.constantFrom<unknown>('DFW-NOPE-001', 'dfw-git-001', ABSENT), weight: 1 }),
    application: fc.oneof(
      { arbitrary: fc.constant<unknown>(SAME_APPLICATION), weight: 10 },
      { arbitrary: fc.constantFrom<unknown>(...APPLICATIONS), weight: 4 },
      { arbitrary: fc.constantFrom<unknown>('*', ABSENT, null), weight: 1 },
    ),
    environment: fc.oneof(
      { arbitrary: fc.constant<unknown>(SAME_ENVIRONMENT), weight: 6 },
      { arbitrary: fc.constantFrom<unknown>(...ENVIRONMENTS, '*', '*', 'qa', '', ABSENT), weight: 4 },
    ),
    reason: fc.constant('rollback while the fix ships'),
    requested_by: fc.constant('alice@acme.example'),
    approved_by: fc.oneof(
      { arbitrary: fc.constant<unknown>(APPROVERS[0]), weight: 10 },
      // The requester approving their own waiver (separation of duties), or no approver.
      { arbitrary: fc.constantFrom<unknown>(...APPROVERS.slice(1)), weight: 6 },
      { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, ['bob']), weight: 2 },
    ),
    expires_at: fc.oneof(
      { arbitrary: timeAround(nowNs), weight: 10 },
      { arbitrary: fc.bigInt(1n, 365n * DAY_NS).map((ahead) => formatRfc3339(nowNs + ahead, 0, false)), weight: 8 },
      { arbitrary: fc.constant(ABSENT), weight: 1 },
    ),
    artifact_digest: fc.oneof(
      { arbitrary: fc.constant(ABSENT), weight: 6 },
      { arbitrary: fc.constant(SAME_DIGEST), weight: 2 },
      { arbitrary: fc.constantFrom<unknown>(...DIGESTS, '', null, false), weight: 2 },
    ),
  });
  return fc.oneof({ arbitrary: waiverObject, weight: 12 }, { arbitrary: fc.constantFrom<unknown>('W-1', null, 3), weight: 1 });
}

/**
 * One valid waiver for every rule of the pack: with tens of rules, a randomly drawn waiver
 * rarely names a rule the same input violates, so without these some rules would never
 * be seen waived.
 */
function blanketWaivers(nowNs: bigint): fc.Arbitrary<unknown> {
  return fc.constant(
    RULE_IDS.map((rule, i) => ({
      id: `W-all-${String(i).padStart(2, '0')}`,
      rule,
      application: SAME_APPLICATION,
      environment: SAME_ENVIRONMENT,
      reason: 'accepted while the platform migrates',
      requested_by: 'alice@acme.example',
      approved_by: APPROVERS[0],
      expires_at: formatRfc3339(nowNs + DAY_NS, 0, false),
    })),
  );
}

function waivers(nowNs: bigint): fc.Arbitrary<Maybe<unknown>> {
  return fc.oneof(
    { arbitrary: fc.array(waiver(nowNs), { maxLength: 5 }) as fc.Arbitrary<unknown>, weight: 10 },
    { arbitrary: blanketWaivers(nowNs), weight: 1 },
    { arbitrary: fc.dictionary(fc.constantFrom('a', 'b'), waiver(nowNs), { maxKeys: 2 }), weight: 1 },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 'W-1'), weight: 1 },
  );
}

const environment = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(...ENVIRONMENTS), weight: 12 },
  { arbitrary: fc.constantFrom<unknown>(...UNKNOWN_ENVIRONMENTS), weight: 2 },
  { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 42), weight: 1 },
);

const nowMs = fc.oneof(
  { arbitrary: fc.integer({ min: EARLIEST_MS, max: LATEST_MS }), weight: 6 },
  // Whole seconds and days, where a window or expiry written without a fraction coincides.
  { arbitrary: fc.integer({ min: EARLIEST_MS / 1000, max: LATEST_MS / 1000 }).map((s) => s * 1000), weight: 1 },
  { arbitrary: fc.constantFrom(Date.UTC(2026, 10, 28, 14), Date.UTC(2028, 1, 29, 23, 59, 59, 999)), weight: 1 },
);

function inputDocument(now: Date): fc.Arbitrary<Record<string, unknown>> {
  const nowNs = BigInt(now.getTime()) * NS_PER_MS;
  const tag = fc.oneof({ arbitrary: fc.constantFrom<unknown>(...TAGS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 150), weight: 1 });
  const artifact = record({
    image: field(text('registry.example.com/payments/api:1.5.0', 'registry.example.com/payments/api:1.4.2', 'ghcr.io/acme/api'), { null: 0 }),
    digest: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...DIGESTS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null, 7), weight: 2 }),
    registry: fc.constantFrom('registry.example.com', 'ghcr.io'),
    repository: field(text('payments/api', 'acme/api'), { null: 0 }),
    tag,
  });
  const source = record({
    repository: field(text('github.com/acme/payments'), { null: 0 }),
    branch: field(text('main', 'release/1.5'), { null: 0 }),
    commit: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...COMMITS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null), weight: 1 }),
  });
  const requestedTicket = fc.oneof({ arbitrary: fc.constantFrom<unknown>('CHG0012345', 'CHG0099999'), weight: 4 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, ABSENT, '', 17, '支付服务'), weight: 3 });
  const request = record({
    id: fc.constant('difftest'),
    application: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...APPLICATIONS), weight: 10 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 9), weight: 1 }),
    service: fc.constant('payments-api'),
    environment,
    requested_by: fc.oneof({ arbitrary: fc.constantFrom<unknown>(...REQUESTERS), weight: 8 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, '', null), weight: 1 }),
    change_ticket: requestedTicket,
    via: fc.constantFrom('api', 'kubernetes', 'github', 'cli'),
  });
  const presence: Record<(typeof EVIDENCE_KINDS)[number], fc.Arbitrary<unknown>> = {
    branch_protection: evidenceSlot(branchProtection),
    workflows: evidenceSlot(workflows),
    code_scanning: evidenceSlot(codeScanning),
    vulnerabilities: evidenceSlot(vulnerabilities(nowNs)),
    container_scan: evidenceSlot(containerScan),
    registry: evidenceSlot(registry),
    runtime: evidenceSlot(runtime),
    change_ticket: evidenceSlot(changeTicket(nowNs)),
    security_review: evidenceSlot(securityReview),
    signatures: evidenceSlot(signatureFacts),
    attestations: evidenceSlot(attestationFacts(nowNs)),
    repository: evidenceSlot(repository),
    dependabot_alerts: evidenceSlot(dependabotAlerts),
    pull_request: evidenceSlot(pullRequest),
    promotion: evidenceSlot(promotion(nowNs)),
    scorecard: evidenceSlot(scorecard),
    sbom: evidenceSlot(sbom),
    workload: evidenceSlot(workloadEvidence),
  };
  // SLSA provenance pushed as --kind slsa: recorded unverified, which DFW-PROV-001 names as
  // the reason it does not count.
  const pushed = { ...presence, provenance: evidenceSlot(provenanceClaim) };
  const evidence = fc.oneof({ arbitrary: record(pushed), weight: 30 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 'none', []), weight: 1 });
  const unavailable = fc.oneof(
    { arbitrary: record(Object.fromEntries(EVIDENCE_KINDS.map((kind) => [kind, unavailableReason]))), weight: 12 },
    { arbitrary: fc.constantFrom<unknown>(ABSENT, null, 'GitHub is down'), weight: 1 },
  );
  return record({
    request,
    artifact: fc.oneof({ arbitrary: artifact, weight: 20 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, 'image'), weight: 1 }),
    source: fc.oneof({ arbitrary: source, weight: 20 }, { arbitrary: fc.constantFrom<unknown>(ABSENT, null), weight: 1 }),
    evidence,
    unavailable,
    waivers: waivers(nowNs),
    // The change-ticket rule also reads the check request's own field at the top level.
    change_ticket: fc.oneof({ arbitrary: fc.constant(ABSENT), weight: 6 }, { arbitrary: fc.constantFrom<unknown>('CHG0012345', '', 5), weight: 1 }),
  }).map(resolveWaivers).map(resolveAttestations);
}

function ownValue(section: unknown, key: string): unknown {
  const value = section && typeof section === 'object' ? (section as Record<string, unknown>)[key] : undefined;
  return value === undefined ? ABSENT : value;
}

/** Replaces the SAME_* markers in waivers with the request's own values (or drops the key). */
function resolveWaivers(input: Record<string, unknown>): Record<string, unknown> {
  const own = new Map<unknown, unknown>([
    [SAME_APPLICATION, ownValue(input.request, 'application')],
    [SAME_ENVIRONMENT, ownValue(input.request, 'environment')],
    [SAME_DIGEST, ownValue(input.artifact, 'digest')],
  ]);
  const resolve = (w: unknown): unknown => {
    if (!w || typeof w !== 'object' || Array.isArray(w)) return w;
    const entries = Object.entries(w).map(([k, v]) => [k, own.has(v) ? own.get(v) : v] as const);
    return Object.fromEntries(entries.filter(([, v]) => v !== ABSENT));
  };
  const { waivers } = input;
  if (Array.isArray(waivers)) return { ...input, waivers: waivers.map(resolve) };
  if (waivers && typeof waivers === 'object') {
    return { ...input, waivers: Object.fromEntries(Object.entries(waivers).map(([k, w]) => [k, resolve(w)])) };
  }
  return input;
}

/** Replaces SAME_DIGEST in attestation facts with the deployed digest (or drops the key). */
function resolveAttestations(input: Record<string, unknown>): Record<string, unknown> {
  const evidence = input.evidence as Record<string, unknown> | undefined;
  if (!evidence || typeof evidence !== 'object' || !Array.isArray(evidence.attestations)) return input;
  const digest = ownValue(input.artifact, 'digest');
  const attestations = evidence.attestations.map((a: unknown) => {
    if (!a || typeof a !== 'object' || (a as Record<string, unknown>).digest !== SAME_DIGEST) return a;
    const { digest: _marker, ...rest } = a as Record<string, unknown>;
    return digest === ABSENT ? rest : { ...rest, digest };
  });
  return { ...input, evidence: { ...evidence, attestations } };
}

/** Input documents with their request times. */
export const generatedCase: fc.Arbitrary<GeneratedCase> = nowMs.chain((ms) => {
  const now = new Date(ms);
  return inputDocument(now).map((input) => ({ input, now }));
});
