// What every command's --help ends with: examples a newcomer can copy, the exit codes a
// pipeline acts on, and "(required)" on the options commander makes mandatory (its own
// help does not say so).
import type { Command } from 'commander';
import { ENV_OVERRIDES } from '../config/env-overrides.js';

export const EXIT_CODES_DEFAULT = '0 done, 2 error (the message on stderr says why)';

/** Appends the examples and the exit codes to `command`'s --help. */
export function describeUsage(command: Command, examples: string[], exitCodes: string = EXIT_CODES_DEFAULT): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n\nExit codes: ${exitCodes}\n`);
}

/**
 * The DFW_* variables that override dfw.yaml, from the table loadConfig applies, so the help
 * cannot drift; `sections` keeps those of the dfw.yaml sections a command reads.
 */
export function environmentHelp(sections?: string[]): string {
  const rows = Object.entries(ENV_OVERRIDES)
    .filter(([, { key }]) => !sections || sections.includes(key.split('.')[0]!))
    .map(([name, { key }]) => `  ${name.padEnd(24)} ${key}`);
  return `\nEnvironment variables (override dfw.yaml; flags override both):\n${rows.join('\n')}\n`;
}

/** Marks every mandatory option of `command` and its subcommands "(required)" in --help. */
export function markRequiredOptions(command: Command): void {
  for (const option of command.options) {
    if (option.mandatory && !option.description.endsWith('(required)')) option.description = `${option.description} (required)`;
  }
  for (const sub of command.commands) markRequiredOptions(sub);
}
