// Report subjects: an image digest, or a repository at a commit. Which stored reports are
// "about" a deployment is decided here, for putReport, listReports and latestEvidence alike.
import { StoreInputError } from './errors.js';
import type { Row } from './sql/driver.js';
import type { ReportSubject } from './types.js';
import { optionalText, setIfPresent } from './values.js';

/** The subject as stored; throws StoreInputError when it names neither a digest nor a commit. */
export function validSubject(subject: ReportSubject | undefined): ReportSubject {
  const digest = optionalText(subject?.digest, 'subject.digest');
  const repository = optionalText(subject?.repository, 'subject.repository');
  const commit = optionalText(subject?.commit, 'subject.commit');
  if (!digest && !(repository && commit)) {
    throw new StoreInputError('a report subject needs an image digest, or a repository and a commit');
  }
  const valid: ReportSubject = {};
  setIfPresent(valid, 'digest', digest || null);
  setIfPresent(valid, 'repository', repository || null);
  setIfPresent(valid, 'commit', commit || null);
  return valid;
}

/**
 * The reports about a subject: those for its digest, and those for its repository at its
 * commit. Undefined when the subject names neither, so there is nothing to look up.
 */
export function subjectMatch(subject: ReportSubject): { clause: string; params: string[] } | undefined {
  const clauses: string[] = [];
  const params: string[] = [];
  if (subject.digest) {
    clauses.push('subject_digest = ?');
    params.push(subject.digest);
  }
  if (subject.repository && subject.commit) {
    clauses.push('(subject_repository = ? AND subject_commit = ?)');
    params.push(subject.repository, subject.commit);
  }
  return clauses.length ? { clause: `(${clauses.join(' OR ')})`, params } : undefined;
}

/** The subject of a report row, without its NULL parts. */
export function subjectOf(row: Row): ReportSubject {
  const subject: ReportSubject = {};
  setIfPresent(subject, 'digest', row.subject_digest);
  setIfPresent(subject, 'repository', row.subject_repository);
  setIfPresent(subject, 'commit', row.subject_commit);
  return subject;
}

/** One NOT NULL column for the whole subject (see migration 3). */
export function subjectKey(subject: ReportSubject): string {
  return JSON.stringify([subject.digest ?? null, subject.repository ?? null, subject.commit ?? null]);
}
