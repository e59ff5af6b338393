/**
 * The CLI in this process with the test job types: `dlq` knows them (for replays) and a
 * `test-echo <provider> <key>` command enqueues through the shared enqueue helper, as the
 * later issues' `validate`, `discover`, `rotate` and `heartbeat` commands do.
 */

import type { Command } from 'commander';

import { createDlqCommand } from '../../src/cli/commands/dlq.ts';
import { createWorkerCommand } from '../../src/cli/commands/worker.ts';
import type { CommandRegistrar } from '../../src/cli/command-registrar.ts';
import { addEnqueueOptions, type EnqueueFlags, runEnqueue } from '../../src/cli/enqueue-command.ts';
import { runCliCaptured } from './cli-in-process.ts';
import { testContracts, testEcho } from './test-jobs.ts';

const registerTestEcho: CommandRegistrar = (program: Command, run) => {
  addEnqueueOptions(program.command('test-echo <provider> <key>'))
    .option('--permanent', 'fail for good')
    .action((provider: string, key: string, opts: EnqueueFlags & { permanent?: boolean }) =>
      run((context) =>
        runEnqueue(
          context,
          testEcho,
          { provider, key, progressSteps: 2, permanent: opts.permanent === true },
          opts,
          { contracts: testContracts },
        ),
      ),
    );
};

export const testCommands = [
  createDlqCommand(testContracts),
  registerTestEcho,
  createWorkerCommand(),
];

export async function runTestCli(args: string[], env: Record<string, string | undefined>) {
  return runCliCaptured(args, { env }, testCommands);
}
