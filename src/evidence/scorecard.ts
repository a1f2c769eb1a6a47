// OpenSSF Scorecard results (`scorecard --format json`, and the same shape from the
// Scorecard REST API /projects/{host}/{owner}/{repo}) -> scorecard.
import { ReportFields, describeValue, kindHint } from './fields.js';
import type { ParsedEvidence, Scorecard } from './types.js';

const fields: ReportFields = new ReportFields('scorecard');

const TOOL = 'OpenSSF Scorecard';

// Scores run from 0 to 10; a check Scorecard could not run has -1 (checker.InconclusiveResultScore).
function score(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fields.fail(`${path} must be a number, not ${describeValue(value)}`);
  if (value < -1 || value > 10) fields.fail(`${path} ${value} is outside Scorecard's -1 to 10`);
  return value;
}

/** Reads a parsed Scorecard JSON result. Throws ReportParseError naming the field that is wrong. */
export function parseScorecardResult(document: unknown): Pick<ParsedEvidence, 'scorecard'> {
  const result = fields.object(document, 'the result');
  if (result.checks === undefined || result.repo === undefined) {
    fields.fail(`repo or checks is missing; expected the output of scorecard --format json${kindHint('scorecard', document)}`);
  }
  const repo = fields.object(result.repo, 'repo');
  const tool = fields.optionalObject(result.scorecard, 'scorecard');
  const checks = fields.array(result.checks, 'checks').map((value, i) => {
    const check = fields.object(value, `checks[${i}]`);
    const reason = fields.optionalString(check.reason, `checks[${i}].reason`);
    return { name: fields.string(check.name, `checks[${i}].name`), score: score(check.score, `checks[${i}].score`), ...(reason ? { reason } : {}) };
  });
  const version = tool ? fields.optionalString(tool.version, 'scorecard.version') : undefined;
  const date = fields.optionalString(result.date, 'date');
  const commit = fields.optionalString(repo.commit, 'repo.commit');
  const scorecard: Scorecard = {
    tool: TOOL,
    ...(version ? { version } : {}),
    ...(date ? { date } : {}),
    repository: fields.string(repo.name, 'repo.name'),
    ...(commit ? { commit } : {}),
    // The aggregate is absent when no check produced a score; rules then cannot judge.
    ...(result.score === undefined || result.score === null ? {} : { score: score(result.score, 'score') }),
    checks,
  };
  return { scorecard };
}
