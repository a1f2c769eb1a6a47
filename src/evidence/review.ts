// A security review record ({state, reviewer, completed_at, subject?}) -> security_review.
import { ReportFields, describeValue, kindHint } from './fields.js';
import type { ParsedEvidence, SecurityReview } from './types.js';

const fields: ReportFields = new ReportFields('review');

export const REVIEW_STATES = ['approved', 'rejected', 'pending', 'changes_requested'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

// RFC 3339 §5.6 date-time: full date, "T", time with optional fraction, and Z or an offset.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/i;

export function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60 && offsetOk;
}

/**
 * Reads a parsed security review. The state is lower-cased and must be one of
 * REVIEW_STATES; a review that is decided (anything but pending) must say who decided and
 * when, since an approval nobody signed is no evidence.
 */
export function parseSecurityReview(document: unknown): Pick<ParsedEvidence, 'security_review'> {
  const record = fields.object(document, 'the review');
  if (record.state === undefined) fields.fail(`state is missing; expected {"state", "reviewer", "completed_at"}${kindHint('review', document)}`);
  if (typeof record.state !== 'string') fields.fail(`state must be a string, not ${describeValue(record.state)}`);
  const state = record.state.trim().toLowerCase();
  if (!(REVIEW_STATES as readonly string[]).includes(state)) {
    fields.fail(`state ${JSON.stringify(record.state)} is not one of ${REVIEW_STATES.join(', ')}`);
  }
  const decided = state !== 'pending';
  for (const key of ['reviewer', 'completed_at'] as const) {
    if (decided && (record[key] === undefined || record[key] === null)) fields.fail(`${key} is missing; a ${state} review must say who decided and when`);
  }
  const reviewer = decided ? fields.string(record.reviewer, 'reviewer') : fields.optionalString(record.reviewer, 'reviewer');
  const completedAt = decided ? fields.string(record.completed_at, 'completed_at') : fields.optionalString(record.completed_at, 'completed_at');
  if (completedAt !== undefined && !isRfc3339(completedAt)) {
    fields.fail(`completed_at ${JSON.stringify(completedAt)} is not an RFC 3339 date-time such as 2026-11-28T14:00:00Z`);
  }
  const subject = fields.optionalString(record.subject, 'subject');
  const review: SecurityReview = {
    state,
    ...(reviewer ? { reviewer } : {}),
    ...(completedAt ? { completed_at: completedAt } : {}),
    ...(subject ? { subject } : {}),
  };
  return { security_review: review };
}
