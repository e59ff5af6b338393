/**
 * The password rotation's abandon hook (DESIGN.md "Abandon"): a password AWS may hold is never
 * dropped. Before `apply_sent` the pending password never left the vault, so it is forgotten;
 * from `apply_sent` on it is kept as `unconfirmed`. The vault's current version stays as it is.
 * After `promote` there is nothing to abandon: the rotation is finished by resuming it.
 *
 * The vault has one `unconfirmed` stage. When it holds a password already (the first one AWS
 * refused, apply.ts, or one an earlier abandoned rotation left there) and a pending one may have
 * reached AWS too (a fresh password sent by an earlier run, or re-sent by the SDK, then refused;
 * or this rotation's first), moving the pending one there would drop the other, so abandon is
 * refused (`needs_decision`, nothing changed): resuming the rotation is what settles it — a
 * successful apply tells which password AWS holds. A fresh password AWS
 * refused at its only send is dropped by apply.ts when it fails, so the usual double refusal
 * leaves one password here to keep, and abandon goes through. A second stage would let abandon
 * keep both, at the cost of a vault stage for a case that a replay resolves.
 */
import { canonicalRef, displayRef } from '../../../accounts/account-ref.ts';
import { PermanentError } from '../../../errors.ts';
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
  const unconfirmed = await ports.vault.versionIdAt(owner, 'unconfirmed');
  if (pending === undefined) {
    return unconfirmed === undefined ? {} : { unconfirmedVersionId: unconfirmed };
  }
  if (unconfirmed !== undefined && unconfirmed !== pending) {
    const name = displayRef(account);
    throw new PermanentError(
      'needs_decision',
      `${name}: abandoning rotation ${journal.rotationId} would drop a password AWS may hold: the vault keeps one unconfirmed password (version ${unconfirmed}) and the pending one (version ${pending}) may have reached AWS too. Resume the rotation instead: replay its job (iam-pam dlq list, then iam-pam dlq replay <id>) once the account's password policy accepts it; its successful apply settles which password AWS holds`,
      {
        detail: {
          rotationId: journal.rotationId,
          unconfirmedVersionId: unconfirmed,
          pendingVersionId: pending,
        },
      },
    );
  }
  await ports.vault.move(owner, 'pending', 'unconfirmed', ports.vaultWrite);
  return { unconfirmedVersionId: pending };
}
