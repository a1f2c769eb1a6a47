// The one table from domain error to HTTP answer (src/api/error-table.ts): every kind has a
// status, each room's errors keep the status they had when routes mapped them by hand, and
// anything that is not a DfwError is a 500 that tells the client nothing.
import { Hono } from 'hono';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handleError, httpErrorOf, STATUS_OF_KIND } from '../src/api/error-table.js';
import { PublishError } from '../src/bundles/server/revisions.js';
import { CheckRequestError } from '../src/collect/check-request.js';
import { DecisionLogError, NoBundleError } from '../src/decide/index.js';
import { ReportParseError } from '../src/evidence/types.js';
import { AdmissionReviewError } from '../src/integrations/kubernetes/admission-review.js';
import { DfwError, type ErrorKind } from '../src/shared/errors.js';
import { createMemoryLogger } from '../src/shared/logger.js';
import { InvalidCursorError, StoreError, StoreInputError, WaiverAlreadyRevokedError, WaiverNotFoundError } from '../src/store/errors.js';

const table = suite('error-table');

table('every kind of domain error has one status', () => {
  const kinds: ErrorKind[] = ['invalid_input', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'too_large', 'unsupported_media_type', 'refused', 'unavailable', 'internal'];
  assert.equal(Object.keys(STATUS_OF_KIND).sort(), [...kinds].sort());
  for (const kind of kinds) assert.is(httpErrorOf(new DfwError('x', 'y', { kind })).status, STATUS_OF_KIND[kind]);
});

table("each room's errors answer with the status routes gave them before the table", () => {
  const cases: Array<[DfwError, number, string]> = [
    [new CheckRequestError([{ field: 'artifact.image', message: 'is required' }]), 400, 'invalid_request'],
    [new ReportParseError('trivy', 'line 1: not JSON'), 400, 'invalid_report'],
    [new StoreInputError('bad time'), 400, 'store_invalid_input'],
    [new InvalidCursorError(), 400, 'invalid_cursor'],
    [new WaiverNotFoundError('w1'), 404, 'waiver_not_found'],
    [new WaiverAlreadyRevokedError('w1', '2026-12-01T00:00:00Z', 'alice'), 409, 'waiver_already_revoked'],
    [new PublishError('bundle_name_invalid', 'bad name'), 400, 'bundle_name_invalid'],
    [new PublishError('bundle_revision_missing', 'no revision'), 422, 'bundle_revision_missing'],
    [new PublishError('revision_not_kept', 'gone'), 404, 'revision_not_kept'],
    [new PublishError('revision_conflict', 'taken'), 409, 'revision_conflict'],
    [new PublishError('signature_invalid', 'bundle refused, nothing changed: bad signature', { kind: 'refused' }), 422, 'signature_invalid'],
    [new NoBundleError(), 503, 'no_bundle'],
    [new DecisionLogError(new Error('disk full')), 500, 'decision_log_failed'],
    [new StoreError('store_failed', 'database is locked'), 500, 'store_failed'],
    [new AdmissionReviewError('request.uid', 'is required'), 400, 'invalid_admission_review'],
  ];
  for (const [err, status, code] of cases) {
    const answer = httpErrorOf(err);
    assert.is(answer.status, status, `${err.name} ${code}`);
    assert.is(answer.body.error.code, code);
    assert.is(answer.body.error.message, err.message);
  }
  const withFields = httpErrorOf(new CheckRequestError([{ field: 'environment', message: 'is required' }]));
  assert.equal(withFields.body.error.fields, [{ field: 'environment', message: 'is required' }]);
});

table('anything else is a 500 that says nothing, and only server errors are logged', async () => {
  assert.equal(httpErrorOf(new TypeError("Cannot read properties of undefined (reading 'x')")), {
    status: 500,
    body: { error: { code: 'internal_error', message: 'internal error; the server log has the details' } },
  });
  assert.is(httpErrorOf('a thrown string').status, 500);
  const logger = createMemoryLogger();
  const app = new Hono();
  app.onError(handleError(logger));
  app.get('/bug', () => {
    throw new TypeError('secret internals');
  });
  app.get('/missing', () => {
    throw new WaiverNotFoundError('w9');
  });
  const bug = await app.request('/bug');
  assert.is(bug.status, 500);
  assert.not.match(await bug.text(), 'secret internals');
  const missing = await app.request('/missing');
  assert.is(missing.status, 404);
  assert.is(((await missing.json()) as { error: { code: string } }).error.code, 'waiver_not_found');
  assert.equal(
    logger.lines.map((l) => [l.level, l.msg, l.error]),
    [['error', 'unhandled error', 'secret internals']],
  );
});

table.run();
