// The `dfw` command line: parses arguments with commander and maps outcomes onto exit
// codes (0 allow, 1 deny, 2 error).
//
// Every command's definition (options, help, examples) is imported here, so a module a
// definition imports is loaded by every `dfw` run, `dfw --version` included. The rooms that do
// the work (the engine, the store's drivers, the server, the decision pipeline, the policy
// and calendar tooling) are imported by the command's action when it runs (`await
// import(…)`), which makes `dfw --version` and a pipeline's `dfw check --server` start in a
// fraction of the time (docs/performance-changes.md, twelfth round).
// test/cli-startup.test.ts keeps it so.
import { Command, CommanderError } from 'commander';
import { bundleCommand } from './commands/bundle.js';
import { checkCommand } from './commands/check.js';
import { decisionsCommand } from './commands/decisions.js';
import { evidenceCommand } from './commands/evidence.js';
import { freezeCommand } from './commands/freeze.js';
import { replayCommand, whatIfCommand } from './commands/replay.js';
import { reportCommand } from './commands/report.js';
import { waiversCommand } from './commands/waivers.js';
import { policyCommand } from './commands/policy.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { EXIT_ERROR } from './exit-codes.js';
import { markRequiredOptions } from './help.js';

export function createProgram(): Command {
  const program = new Command('dfw')
    .description('dfw — the deployment firewall: every deployment asks it first')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const sub of [
    serveCommand(),
    checkCommand(),
    evidenceCommand(),
    decisionsCommand(),
    waiversCommand(),
    replayCommand(),
    whatIfCommand(),
    reportCommand(),
    bundleCommand(),
    freezeCommand(),
    policyCommand(),
    tokenCommand(),
  ]) {
    program.addCommand(sub.exitOverride());
    for (const nested of sub.commands) nested.exitOverride();
  }
  markRequiredOptions(program);
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  // `dfw … | head` closes the pipe early: later writes are dropped instead of crashing with
  // EPIPE, and the exit code stays the command's own (a deny is still 1).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    const code = program.commands.map((c) => c.getOptionValue('exitCode') as number | undefined).find((c) => c !== undefined);
    return code ?? 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_ERROR;
    }
    process.stderr.write(`dfw: ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
}
