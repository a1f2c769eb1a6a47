// POST /v1/evidence: CI pushes a scanner report (Trivy, Grype, SARIF, CycloneDX, SPDX,
// SLSA provenance) or a security review for a subject. The raw report is stored for audit
// beside its normalized form; a report that cannot be parsed is refused whole (400) and
// nothing is written.
import { Hono } from 'hono';
import { parseReport } from '../../evidence/index.js';
import { REPORT_KINDS, type ReportKind } from '../../evidence/types.js';
import type { Store } from '../../store/types.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';
import { formatFieldErrors, InvalidInputError } from '../../shared/errors.js';
import { readJsonText } from '../json-body.js';
import { DIGEST } from '../../collect/image-reference.js';

const COMMIT = /^[0-9a-fA-F]{4,64}$/;
/** Plain JSON, or a report format's own registered JSON media type. */
const REPORT_MEDIA_TYPES = ['application/json', 'application/sarif+json', 'application/vnd.cyclonedx+json', 'application/spdx+json', 'application/vnd.in-toto+json'];

export interface ReportSubjectQuery {
  digest?: string;
  repository?: string;
  commit?: string;
}

/** Validates the subject named in the query string; the fields name what is wrong. */
export function readSubject(query: (name: string) => string | undefined): ReportSubjectQuery {
  const digest = query('digest');
  const repository = query('repository');
  const commit = query('commit');
  const fields = [];
  if (digest !== undefined && !DIGEST.test(digest)) fields.push({ field: 'digest', message: 'must be a content digest such as sha256:<64 hex digits>' });
  if (commit !== undefined && !COMMIT.test(commit)) fields.push({ field: 'commit', message: 'must be a hexadecimal commit SHA' });
  if ((repository === undefined) !== (commit === undefined)) fields.push({ field: repository === undefined ? 'repository' : 'commit', message: 'is required with ' + (repository === undefined ? 'commit' : 'repository') });
  if (digest === undefined && repository === undefined && commit === undefined) fields.push({ field: 'digest', message: 'or repository and commit are required: the subject the report is about' });
  if (fields.length) throw new InvalidInputError('invalid_subject', `invalid subject: ${formatFieldErrors(fields)}`, fields);
  return { ...(digest ? { digest } : {}), ...(repository ? { repository, commit: commit!.toLowerCase() } : {}) };
}

export function evidenceRoutes(deps: { tokens: ApiToken[]; store: Store; clock?: () => Date }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.post('/v1/evidence', requireRole(deps.tokens, 'evidence'), async (c) => {
    const kind = c.req.query('kind') as ReportKind | undefined;
    if (!kind || !REPORT_KINDS.includes(kind)) {
      throw new InvalidInputError('invalid_kind', `kind must be one of ${REPORT_KINDS.join(', ')}`, [{ field: 'kind', message: `must be one of ${REPORT_KINDS.join(', ')}` }]);
    }
    const subject = readSubject((name) => c.req.query(name));
    // Strictly valid JSON first (strict-json.ts), then parsed by the report's own parser,
    // whose errors name the format, line and column.
    const raw = await readJsonText(c, REPORT_MEDIA_TYPES, 'the report');
    const normalized = parseReport(kind, raw, subject.commit ? { commit: subject.commit } : {});
    const { id, created } = await deps.store.putReport({ kind, subject, raw, normalized, pushed_by: c.get('caller').name, received_at: (deps.clock ?? (() => new Date()))() });
    return c.json({ id, created, kind, subject, evidence_kinds: Object.keys(normalized) }, created ? 201 : 200);
  });
  return app;
}
