// `dfw check --format …`: turns a decision into what a terminal, a program or a CI system reads.
import type { RuleEntry } from '../../engine/catalog.js';
import type { Decision } from '../../engine/types.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import type { DeploymentSubject } from './outcomes.js';
import { formatSarif } from './sarif.js';
import { formatTable } from './table.js';

export const OUTPUT_FORMATS = ['table', 'json', 'sarif', 'junit', 'github'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type { DeploymentSubject } from './outcomes.js';

export interface FormatOptions {
  format: OutputFormat;
  /** ANSI colour in `table`; the CLI passes process.stdout.isTTY && !NO_COLOR. */
  color?: boolean;
  /** The deployment the decision is about (the decision does not carry application, image, source). */
  request?: DeploymentSubject;
  /** The bundle's rule catalog, when known: SARIF describes every rule, JUnit lists the ones that passed. */
  rules?: RuleEntry[];
}

export interface FormattedDecision {
  stdout: string;
  /** For `github`: Markdown the CLI appends to $GITHUB_STEP_SUMMARY. */
  summaryMarkdown?: string;
}

export function formatDecision(decision: Decision, options: FormatOptions): FormattedDecision {
  const { format, request, rules } = options;
  switch (format) {
    case 'table':
      return { stdout: formatTable(decision, { color: options.color ?? false, request }) };
    case 'json':
      return { stdout: formatJson(decision) };
    case 'sarif':
      return { stdout: formatSarif(decision, { request, rules }) };
    case 'junit':
      return { stdout: formatJunit(decision, { request, rules }) };
    case 'github':
      return formatGithub(decision, { request });
    default: {
      const unknown: never = format;
      throw new TypeError(`unknown output format ${JSON.stringify(unknown)}; expected one of ${OUTPUT_FORMATS.join(', ')}`);
    }
  }
}
