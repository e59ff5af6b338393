/** `iam-pam discover <provider> [--path-prefix P] [--wait]`: a discovery job. */
import type { Command } from 'commander';

import { discover } from '../../jobs/discover/contract.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { addEnqueueOptions, type EnqueueFlags, runEnqueue } from '../enqueue-command.ts';

export const registerDiscover: CommandRegistrar = (program: Command, run) => {
  addEnqueueOptions(
    program
      .command('discover <provider>')
      .description(
        "list the provider's IAM users and access keys, and diff them with the last complete discovery (exit 1 when partial)",
      )
      .option('--path-prefix <prefix>', 'only users under this IAM path, e.g. /engineering/'),
  ).action((provider: string, flags: EnqueueFlags & { pathPrefix?: string }) =>
    run(async (context) =>
      runEnqueue(
        context,
        discover,
        { provider, ...(flags.pathPrefix === undefined ? {} : { pathPrefix: flags.pathPrefix }) },
        flags,
        {
          check: async () => {
            await (await context.domain()).providers.require(provider);
          },
          isGood: (result) => (result as { partial?: boolean }).partial === false,
        },
      ),
    ),
  );
};
