/**
 * The access-key rotation's abandon hook (DESIGN.md "Abandon"): recover as a resumed run would
 * (a key a lost send created is deleted), delete a pending key that was never promoted and
 * forget its secret; AWS's current key and the vault's current version stay as they are.
 * After `promote` there is nothing to abandon: the rotation is finished by resuming it.
 */
import { canonicalRef } from '../../../accounts/account-ref.ts';
import { refuseAbandonAfterPromote } from '../abandon-after-promote.ts';
import type { AbandonOutcome, RotationPorts, StepInput } from '../rotation-kind.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { CreateRecord } from './journal-records.ts';
import { recordOf } from './journal-records.ts';
import { recoverLostKey } from './recover-lost-key.ts';
import { deleteKey } from './retire-key.ts';

export async function abandonAccessKeyRotation(
  deps: AccessKeyRotationDeps,
  input: StepInput,
  ports: RotationPorts,
): Promise<AbandonOutcome> {
  const { account, journal } = input;
  refuseAbandonAfterPromote(account, journal, 'new key', ' to finish retiring the old key');
  const created = recordOf<CreateRecord>(journal, 'create');
  if (created !== undefined) {
    await deleteKey(ports.iam, account.userName, created.newAccessKeyId);
    await ports.vault.clear(canonicalRef(account), 'pending', ports.vaultWrite);
    deps.observe?.keyPending(-1);
    return { deletedAccessKeyId: created.newAccessKeyId };
  }
  return { deletedAccessKeyId: await recoverLostKey(deps, input, ports) };
}
