/**
 * `promote` (vault: pending → current, current → previous; the account's key is the new one)
 * and `tag` (the user tag of the model provider: key = the new key id, value = a message
 * saying iam-pam manages it, with the rotation id and time). Both converge: the vault promotes
 * by version id (a retry finds it current already), and a tag step that may have run before
 * lists the user's tags first (tag-read.ts says when plan's read is enough).
 */
import { canonicalRef } from '../../../accounts/account-ref.ts';
import type { RotationStep } from '../rotation-kind.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { CreateRecord, PlanRecord } from './journal-records.ts';
import { requireRecord } from './journal-records.ts';
import type { TagReadSkip } from './tag-read.ts';

export function promoteStep(deps: AccessKeyRotationDeps): RotationStep {
  return {
    name: 'promote',
    async run({ account, journal }, ports) {
      const { newAccessKeyId, pendingVersionId } = requireRecord<CreateRecord>(journal, 'create');
      const { oldAccessKeyId } = requireRecord<PlanRecord>(journal, 'plan');
      await ports.vault.promote(canonicalRef(account), {
        ...ports.vaultWrite,
        versionId: pendingVersionId,
      });
      await deps.accounts.update(account, {
        currentAccessKeyId: newAccessKeyId,
        secretKnown: true,
      });
      deps.observe?.keyPending(-1);
      return { record: { newAccessKeyId, oldAccessKeyId } };
    },
  };
}

/** IAM allows letters, digits, spaces and `_.:/=+-@` in a tag value (256 at most): no comma. */
export function tagMessage(rotationId: string, at: string): string {
  return `managed by iam-pam - rotation ${rotationId} at ${at}`;
}

export function tagStep(readSkip: TagReadSkip): RotationStep {
  return {
    name: 'tag',
    async run({ account, journal }, ports) {
      const { iam } = ports;
      const { newAccessKeyId } = requireRecord<CreateRecord>(journal, 'create');
      const promotedAt = journal.steps.find((s) => s.step === 'promote')?.at ?? journal.startedAt;
      if (!readSkip.takeFirstAttempt(ports, journal)) {
        const tags = await iam.listUserTags(account.userName);
        if (tags.some((tag) => tag.key === newAccessKeyId)) {
          return { record: { tagged: newAccessKeyId, alreadyTagged: true } };
        }
      }
      const { requestId } = await iam.tagUser(account.userName, [
        { key: newAccessKeyId, value: tagMessage(journal.rotationId, promotedAt) },
      ]);
      return { record: { tagged: newAccessKeyId, requestId } };
    },
  };
}
