// The Markdown comment sent with the review. GitHub keeps at most 1,024 characters of it
// ("Creating custom deployment protection rules"), so rules are listed most severe first
// until the budget is spent and the rest are counted ("…and N more"). Text that comes from
// evidence (branch names, titles) is escaped so it cannot format the comment or @-mention
// people.
import { SEVERITIES, type Decision, type Violation } from '../../engine/index.js';

export const COMMENT_LIMIT = 1024;
/** One listed rule may use at most this much of the budget, so one long message cannot crowd out the rest. */
const LINE_LIMIT = 220;
/** When not every rule fits with its message, rules are listed by title alone, this long at most. */
const COMPACT_LINE_LIMIT = 110;

export type ReviewState = 'approved' | 'rejected';

export interface ReviewComment {
  state: ReviewState;
  comment: string;
}

/** Flattens to one line, escapes Markdown and HTML punctuation, and breaks @-mentions. */
export function escapeInline(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|~]/g, (ch) => `\\${ch}`)
    .replace(/(?<!\w)@(?=\w)/g, '@\u200b');
}

/** At most `limit` UTF-16 units (never more characters than that), cut between code points. */
function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > limit - 1) break;
    out += ch;
  }
  return `${out}…`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** One line per rule (a rule may report several violations), in two lengths: with its first message, and title only. */
function ruleLines(violations: Violation[]): { full: string[]; compact: string[] } {
  const byRule = new Map<string, Violation[]>();
  for (const v of violations) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), v]);
  const groups = [...byRule.values()];
  const line = (withMessage: boolean, limit: number) =>
    groups.map(([first, ...others]) => {
      const more = others.length ? ` (${others.length + 1} violations)` : '';
      const head = `- **${first!.severity}** ${code(first!.rule)} ${escapeInline(first!.title)}`;
      return `${clip(withMessage ? `${head}: ${escapeInline(first!.message)}` : head, limit - more.length)}${more}`;
    });
  return { full: line(true, LINE_LIMIT), compact: line(false, COMPACT_LINE_LIMIT) };
}

function countRules(violations: Violation[]): string {
  const rules = new Set(violations.map((v) => v.rule)).size;
  const noun = rules === 1 ? 'rule' : 'rules';
  return violations.length > rules ? `${rules} blocking ${noun} (${violations.length} violations)` : `${rules} blocking ${noun}`;
}

/**
 * Header, the list, footer: never longer than `limit`. Every rule with its message if that
 * fits, else every rule by title, else as many titles as fit and "…and N more".
 */
export function fitList(header: string, lines: { full: string[]; compact: string[] }, footer: string, limit: number = COMMENT_LIMIT): string {
  const whole = [header, lines.full.join('\n'), footer].filter(Boolean).join('\n\n');
  if (whole.length <= limit) return whole;
  return fitLines(header, lines.compact, footer, limit);
}

function fitLines(header: string, lines: string[], footer: string, limit: number): string {
  for (let shown = lines.length; shown >= 0; shown--) {
    const hidden = lines.length - shown;
    const list = [...lines.slice(0, shown), ...(hidden > 0 ? [`…and ${hidden} more`] : [])].join('\n');
    const text = [header, list, footer].filter(Boolean).join('\n\n');
    if (text.length <= limit) return text;
  }
  return clip([header, footer].filter(Boolean).join('\n\n'), limit);
}

function bySeverity(groups: Decision['deny']): Violation[] {
  return SEVERITIES.flatMap((s) => groups[s] ?? []);
}

function footerOf(decision: Decision): string {
  return `Decision ${code(decision.decision_id)} · bundle ${code(`${decision.bundle.name}@${decision.bundle.revision}`)}`;
}

export interface CommentContext {
  application: string;
  /** The dfw environment the policy decided for. */
  environment: string;
}

/** The review for a decision: approved only when the policy said allow. */
export function reviewForDecision(decision: Decision, context: CommentContext): ReviewComment {
  const target = `${code(context.application)} to ${code(context.environment)}`;
  const footer = footerOf(decision);
  const waived = decision.waived.length ? ` ${decision.waived.length} waived.` : '';
  if (decision.allow === true) {
    const warnings = bySeverity(decision.warn);
    const header = `**dfw approved** the deployment of ${target}: no blocking rule.${waived}${warnings.length ? `\n\nWarnings (not blocking here):` : ''}`;
    return { state: 'approved', comment: fitList(header, ruleLines(warnings), footer) };
  }
  const blocking = bySeverity(decision.deny);
  const header = `**dfw rejected** the deployment of ${target}: ${countRules(blocking)}.${waived}`;
  return { state: 'rejected', comment: fitList(header, ruleLines(blocking), footer) };
}

/** The review when no decision could be made: rejected, saying that dfw failed closed and why. */
export function reviewForFailure(reason: string, context: Partial<CommentContext> = {}): ReviewComment {
  const target = context.application && context.environment ? ` of ${code(context.application)} to ${code(context.environment)}` : '';
  const header = `**dfw rejected** the deployment${target}: the check could not be completed, so dfw failed closed (nothing is approved without a decision).`;
  const footer = `Reason: ${escapeInline(reason)}`;
  return { state: 'rejected', comment: clip(`${header}\n\n${footer}`, COMMENT_LIMIT) };
}
