/**
 * `iam-pam rotate <account> [--wait]`: a rotation job (refused with exit 1 `rotation_in_progress`
 * while a half-finished one has no job working on it; joining a live one). `--abandon` ends a
 * half-finished rotation synchronously, under the user's lease (DESIGN.md "Abandon").
 */
import type { Command } from 'commander';

import { parseAccountRef } from '../../accounts/account-ref.ts';
import { productionRotationKinds } from '../../app/rotation-kinds.ts';
import { invalidInput } from '../../errors.ts';
import { rotate } from '../../jobs/rotate/contract.ts';
import { jobContracts } from '../../jobs/registry.ts';
import { createRotationRequests } from '../../producers/rotation-requests.ts';
import { createReplicaWait } from '../../queue/replica-wait.ts';
import { createUserLeases } from '../../queue/user-lease.ts';
import { abandonOpenRotation } from '../../rotation/abandon.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { addEnqueueOptions, type EnqueueFlags, runEnqueue } from '../enqueue-command.ts';
import { withProducerSession } from '../producer-session.ts';
import type { ExitCode } from '../run-action.ts';

export const registerRotate: CommandRegistrar = (program: Command, run) => {
  addEnqueueOptions(
    program
      .command('rotate <account>')
      .description(
        'rotate a managed account (exit 1 rotation_in_progress while a half-finished one waits for a replay or --abandon)',
      )
      .option('--abandon', 'end a half-finished rotation instead (synchronous; no job)'),
  ).action((text: string, flags: EnqueueFlags & { abandon?: boolean }) =>
    run(async (context) => {
      const ref = parseAccountRef(text);
      const domain = await context.domain();
      const config = context.config();
      const log = context.log();
      if (flags.abandon !== true) {
        return runEnqueue(context, rotate, { ...ref, reason: 'manual' }, flags, {
          check: async (session) => {
            await domain.accounts.require(ref);
            await createRotationRequests({ ...session, journals: domain.journals }).check(ref);
          },
        });
      }
      if (flags.wait === true) {
        throw invalidInput('--abandon is synchronous: it takes no --wait');
      }
      return withProducerSession(config, log, jobContracts, async (session): Promise<ExitCode> => {
        const outcome = await abandonOpenRotation(
          {
            domain,
            kinds: productionRotationKinds({
              domain,
              enqueue: session.enqueue,
              events: session.events,
            }),
            rotations: createRotationRequests({ ...session, journals: domain.journals }),
            leases: createUserLeases({
              redis: domain.redis,
              keys: domain.keys,
              ttlMs: config.worker.jobLockMs,
              waitForReplicas: createReplicaWait({
                redis: domain.redis,
                minReplicas: config.redis.minReplicas ?? 0,
              }),
            }),
            events: session.events,
            log,
          },
          ref,
          context.actor,
        );
        const { rotationId, step } = outcome.abandoned;
        context.print(outcome, {
          json: flags.json === true,
          text: `abandoned rotation ${rotationId} of ${outcome.account} at step ${step}`,
        });
        return 0;
      });
    }),
  );
};
