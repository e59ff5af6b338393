/**
 * `verify` (DESIGN.md invariant 2): the new key becomes current only after a request signed
 * with it succeeds. sts:GetCallerIdentity is polled with backoff through IAM's propagation
 * delay, each poll through the provider's budget (invariant 10), up to `verifyTimeoutSeconds`;
 * then the job fails into the dead-letter with the new key pending and the old one Active and
 * untouched (`verify_timeout`).
 */
import { canonicalRef, displayRef } from '../../../accounts/account-ref.ts';
import { isAppError, PermanentError } from '../../../errors.ts';
import { sleep as realSleep } from '../../../sleep.ts';
import type { RotationStep } from '../rotation-kind.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { CreateRecord, PlanRecord } from './journal-records.ts';
import { requireRecord } from './journal-records.ts';

const FIRST_WAIT_MS = 500;
const MAX_WAIT_MS = 8_000;

/** Errors a poll may meet while the key propagates (or IAM is busy): poll again. */
function waitingHelps(err: unknown): boolean {
  return (
    isAppError(err) && (err.code === 'new_key_not_yet_valid' || !(err instanceof PermanentError))
  );
}

export function verifyStep(deps: AccessKeyRotationDeps): RotationStep {
  const sleep = deps.sleep ?? realSleep;
  return {
    name: 'verify',
    async run({ account, journal }, ports) {
      const { newAccessKeyId } = requireRecord<CreateRecord>(journal, 'create');
      const { verifyTimeoutSeconds } = requireRecord<PlanRecord>(journal, 'plan');
      const pending = await ports.vault.read(canonicalRef(account), 'pending');
      if (
        pending === undefined ||
        !('accessKeyId' in pending) ||
        pending.accessKeyId !== newAccessKeyId
      ) {
        throw new PermanentError(
          'vault_unreadable',
          `${displayRef(account)}: the vault's pending secret is not key ${newAccessKeyId}, which rotation ${journal.rotationId} created; abandon the rotation (iam-pam rotate ${displayRef(account)} --abandon)`,
        );
      }
      const started = ports.now().getTime();
      const deadline = started + verifyTimeoutSeconds * 1_000;
      let waitMs = FIRST_WAIT_MS;
      let polls = 0;
      for (;;) {
        polls += 1;
        try {
          const identity = await ports.verifier.verify(pending);
          const waitedMs = ports.now().getTime() - started;
          deps.observe?.verifyWait(waitedMs / 1000, 'verified');
          return { record: { polls, waitedMs, arn: identity.arn } };
        } catch (err) {
          if (!waitingHelps(err)) {
            throw err;
          }
          const left = deadline - ports.now().getTime();
          if (left <= 0) {
            deps.observe?.verifyWait((ports.now().getTime() - started) / 1000, 'timeout');
            throw new PermanentError(
              'verify_timeout',
              `${displayRef(account)}: new key ${newAccessKeyId} did not authenticate within ${verifyTimeoutSeconds} s (${polls} polls; last: ${(err as Error).message}); it stays pending and the old key stays Active. Replay the job to keep waiting, or abandon the rotation`,
              { detail: { newAccessKeyId, polls } },
            );
          }
          // Jittered, so many rotations started together do not poll in lockstep.
          await sleep(Math.min(left, waitMs * (0.75 + Math.random() / 2)), ports.signal);
          waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
        }
      }
    },
  };
}
