// The words a denied or warned `kubectl apply` shows: status.message and warnings, kept
// within what the API server passes through. Limits from k8s.io/apiserver
// pkg/endpoints/filters/warning.go and the "Extensible Admission Controllers" docs: past
// 4096 characters (runes) of warnings in total the API server truncates each warning to
// 256 and drops the rest, and a warning with control characters is not a valid HTTP
// Warning header value, so it is dropped.
import { SEVERITIES, type Decision, type Violation } from '../../engine/index.js';

export const WARNING_MAX_CHARS = 256;
export const WARNINGS_TOTAL_MAX_CHARS = 4096;
/** No API limit; kept short so `kubectl` shows it on a screen. */
export const STATUS_MESSAGE_MAX_CHARS = 1024;
/** How much of each rule's message a denial shows, longest first, until it fits; 0 shows ids only. */
const DETAIL_LEVELS = [120, 60, 0];

/** One image of the workload and what became of it. */
export interface ImageVerdict {
  image: string;
  containers: string[];
  digest?: string;
  decision?: Decision;
  /** Why it could not be evaluated (then it counts as denied). */
  error?: string;
}

/** Length in Unicode code points, which is what Go counts as runes. */
export const charCount = (text: string): number => [...text].length;

/** One line of printable text: control characters (newlines too) become spaces. */
export function cleanText(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\s{2,}/g, ' ').trim();
}

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function bySeverity(groups: Decision['deny']): Violation[] {
  return SEVERITIES.flatMap((severity) => groups[severity] ?? []);
}

/** A verdict's blocking violations, one entry per rule in policy order, with how many findings it had. */
function blockingByRule(decision: Decision): Array<{ first: Violation; count: number }> {
  const rules = new Map<string, { first: Violation; count: number }>();
  for (const v of bySeverity(decision.deny)) {
    const seen = rules.get(v.rule);
    if (seen) seen.count++;
    else rules.set(v.rule, { first: v, count: 1 });
  }
  return [...rules.values()];
}

function verdictText(verdict: ImageVerdict, detail: number): string | undefined {
  if (verdict.error !== undefined) return `${verdict.image}: not evaluated, failed closed: ${truncate(cleanText(verdict.error), DETAIL_LEVELS[0]!)}`;
  const decision = verdict.decision;
  if (!decision || decision.allow) return undefined;
  const rules = blockingByRule(decision);
  if (detail === 0) return `${verdict.image}: ${rules.map((r) => r.first.rule).join(', ')}`;
  const text = rules.map(({ first, count }) => `${first.rule} (${first.severity}) ${truncate(cleanText(first.message), detail)}${count > 1 ? ` (+${count - 1} more)` : ''}`);
  return `${verdict.image}: ${text.join('; ')}`;
}

/**
 * "dfw denied Deployment shop/web in production: <image>: <RULE> (<severity>) <text>; …
 * | <image>: … (decision <id>, …)", or "dfw failed closed on …" when no image was denied
 * by the policy but some could not be evaluated. Each rule is named once per image, with
 * as much of its first message as fits; when not even the rule ids fit, the end is cut.
 */
export function denialMessage(subject: string, environment: string, verdicts: ImageVerdict[]): string {
  const ids = verdicts.filter((v) => v.decision && !v.decision.allow).map((v) => v.decision!.decision_id);
  const header = `dfw ${ids.length ? 'denied' : 'failed closed on'} ${subject} in ${environment}: `;
  const footer = ids.length ? ` (decision ${ids.join(', ')})` : '';
  let message = '';
  for (const detail of DETAIL_LEVELS) {
    message = header + verdicts.map((v) => verdictText(v, detail)).filter((t): t is string => t !== undefined).join(' | ') + footer;
    if (charCount(message) <= STATUS_MESSAGE_MAX_CHARS) return message;
  }
  return truncate(message, STATUS_MESSAGE_MAX_CHARS);
}

/** Non-blocking violations and waivers, one warning each, before the limits are applied. */
export function warningCandidates(verdicts: ImageVerdict[]): string[] {
  const lines: string[] = [];
  for (const verdict of verdicts) {
    if (!verdict.decision) continue;
    for (const v of bySeverity(verdict.decision.warn)) lines.push(`${verdict.image}: ${v.rule} (${v.severity}) ${v.message}`);
    for (const w of verdict.decision.waived) {
      lines.push(`${verdict.image}: ${w.rule} (${w.severity}) waived by ${w.waiver_id}, approved by ${w.approved_by} until ${w.expires_at}`);
    }
  }
  return lines;
}

/**
 * Warnings the API server passes through unchanged: printable, deduplicated, each at most
 * WARNING_MAX_CHARS, all together at most WARNINGS_TOTAL_MAX_CHARS. What does not fit is
 * counted in a last warning instead of being dropped silently.
 */
export function limitWarnings(candidates: string[]): string[] {
  const unique = [...new Set(candidates.map((c) => truncate(cleanText(c), WARNING_MAX_CHARS)).filter((c) => c !== ''))];
  const total = unique.reduce((sum, w) => sum + charCount(w), 0);
  if (total <= WARNINGS_TOTAL_MAX_CHARS) return unique;
  const note = (n: number) => `dfw: ${n} more warning${n === 1 ? '' : 's'} not shown; the decision log has them all`;
  const budget = WARNINGS_TOTAL_MAX_CHARS - charCount(note(unique.length));
  const kept: string[] = [];
  let used = 0;
  for (const warning of unique) {
    const size = charCount(warning);
    if (used + size > budget) break;
    kept.push(warning);
    used += size;
  }
  return [...kept, note(unique.length - kept.length)];
}
