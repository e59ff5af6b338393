/** The shape of a command module: it adds its commands to the program. */
import type { Command } from 'commander';

import type { CliContext } from './cli-context.ts';
import type { ExitCode } from './run-action.ts';

/** Runs a command body with the CLI context and records its exit code. */
export type RunCommand = (body: (context: CliContext) => Promise<ExitCode | void>) => Promise<void>;

export type CommandRegistrar = (program: Command, run: RunCommand) => void;
