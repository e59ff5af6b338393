/**
 * Builds the commander program. Every command module is listed once in COMMANDS; usage
 * mistakes exit 2 with commander's one-line message.
 */
import { Command, CommanderError } from 'commander';

import { type CliIo, createCliContext } from './cli-context.ts';
import type { CommandRegistrar, RunCommand } from './command-registrar.ts';
import { registerAccount } from './commands/account.ts';
import { registerApi } from './commands/api.ts';
import { registerAudit } from './commands/audit.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDiscover } from './commands/discover.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerHeartbeat } from './commands/heartbeat.ts';
import { registerRotate } from './commands/rotate.ts';
import { registerKeygen } from './commands/keygen.ts';
import { registerProvider } from './commands/provider.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerVault } from './commands/vault.ts';
import { registerWorker } from './commands/worker.ts';
import { VERSION } from '../version.ts';
import { type ExitCode, runAction } from './run-action.ts';

const COMMANDS: readonly CommandRegistrar[] = [
  registerAccount,
  registerApi,
  registerAudit,
  registerDemo,
  registerDiscover,
  registerDlq,
  registerHeartbeat,
  registerRotate,
  registerKeygen,
  registerProvider,
  registerSandbox,
  registerVault,
  registerWorker,
];

function createProgram(
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  commands: readonly CommandRegistrar[],
  run: RunCommand,
): Command {
  const program = new Command('iam-pam')
    .description('privileged access management for AWS IAM users')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run iam-pam --help for usage)');
  program.configureHelp({ sortSubcommands: true });
  for (const register of commands) {
    register(program, run);
  }
  return program;
}

/** Every command path the CLI accepts (`keygen`, `provider add`, …), for checks and docs. */
export function listCommandPaths(): string[] {
  const program = createProgram(
    { stdout: process.stdout, stderr: process.stderr },
    COMMANDS,
    async () => undefined,
  );
  const paths: string[] = [];
  const walk = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const path = `${prefix}${sub.name()}`;
      paths.push(path);
      walk(sub, `${path} `);
    }
  };
  walk(program, '');
  return paths;
}

/** Parses argv, runs the command and resolves to the exit code. Test entry points pass their own commands. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CommandRegistrar[] = COMMANDS,
): Promise<ExitCode> {
  const context = createCliContext(io);
  let exitCode: ExitCode = 0;
  const program = createProgram(io, commands, async (body) => {
    exitCode = await runAction(context, () => body(context));
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander exits 0 for --help and 1 for usage mistakes (including help shown for no command).
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  } finally {
    await context.close();
  }
  return exitCode;
}
