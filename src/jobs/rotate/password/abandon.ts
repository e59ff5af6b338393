/**
 * The password rotation's abandon hook (DESIGN.md "Abandon"): a password AWS may hold is never
 * dropped. Before `apply_sent` the pending password never left the vault, so it is forgotten;
 * from `apply_sent` on it is kept as `unconfirmed`. The vault's current version stays as it is.
 * After `promote` there is nothing to abandon: the rotation is finished by resuming it.
 */
import { canonicalRef } from '../../../accounts/account-ref.ts';
import { refuseAbandonAfterPromote } from '../abandon-after-promote.ts';
import { recordOf } from '../journal.ts';
import type { AbandonOutcome, RotationPorts, StepInput } from '../rotation-kind.ts';

export async function abandonPasswordRotation(
  input: StepInput,
  ports: RotationPorts,
): Promise<AbandonOutcome> {
  const { account, journal } = input;
  refuseAbandonAfterPromote(account, journal, 'new password', '');
  const owner = canonicalRef(account);
  const pending = await ports.vault.versionIdAt(owner, 'pending');
  if (recordOf(journal, 'apply_sent') === undefined) {
    if (pending !== undefined) {
      await ports.vault.clear(owner, 'pending', ports.vaultWrite);
    }
    return {};
  }
  if (pending !== undefined) {
    await ports.vault.move(owner, 'pending', 'unconfirmed', ports.vaultWrite);
    return { unconfirmedVersionId: pending };
  }
  const unconfirmed = await ports.vault.versionIdAt(owner, 'unconfirmed');
  return unconfirmed === undefined ? {} : { unconfirmedVersionId: unconfirmed };
}
