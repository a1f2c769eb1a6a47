// What every command's --help ends with: examples a newcomer can copy, the exit codes a
// pipeline acts on, and "(required)" on the options commander makes mandatory (its own
// help does not say so).
import type { Command } from 'commander';

export const EXIT_CODES_DEFAULT = '0 done, 2 error (the message on stderr says why)';

/** Appends the examples and the exit codes to `command`'s --help. */
export function describeUsage(command: Command, examples: string[], exitCodes: string = EXIT_CODES_DEFAULT): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}\n\nExit codes: ${exitCodes}\n`);
}

/** Marks every mandatory option of `command` and its subcommands "(required)" in --help. */
export function markRequiredOptions(command: Command): void {
  for (const option of command.options) {
    if (option.mandatory && !option.description.endsWith('(required)')) option.description = `${option.description} (required)`;
  }
  for (const sub of command.commands) markRequiredOptions(sub);
}
