/** `iam-pam heartbeat <account> [--wait]`: check one managed account against AWS. */
import type { Command } from 'commander';

import { parseAccountRef } from '../../accounts/account-ref.ts';
import { heartbeat } from '../../jobs/heartbeat/contract.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { addEnqueueOptions, type EnqueueFlags, runEnqueue } from '../enqueue-command.ts';

export const registerHeartbeat: CommandRegistrar = (program: Command, run) => {
  addEnqueueOptions(
    program
      .command('heartbeat <account>')
      .description(
        'check a managed account against AWS without changing it (exit 1 for any verdict but in_sync)',
      ),
  ).action((text: string, flags: EnqueueFlags) =>
    run(async (context) => {
      const ref = parseAccountRef(text);
      return runEnqueue(context, heartbeat, ref, flags, {
        check: async () => {
          await (await context.domain()).accounts.require(ref);
        },
        isGood: (result) => (result as { verdict?: string }).verdict === 'in_sync',
      });
    }),
  );
};
