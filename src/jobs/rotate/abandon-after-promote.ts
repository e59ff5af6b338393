/**
 * DESIGN.md "Abandon": after `promote` there is nothing to abandon — the new secret is current,
 * so the rotation is finished by resuming it. Every kind's abandon hook asks this first.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import { displayRef } from '../../accounts/account-ref.ts';
import { PermanentError } from '../../errors.ts';
import { type Journal, recordOf } from './journal.ts';

/** Throws `conflict` once the journal records `promote`; `what` names what was promoted. */
export function refuseAbandonAfterPromote(
  account: AccountRef,
  journal: Journal,
  what: string,
  resume: string,
): void {
  if (recordOf(journal, 'promote') !== undefined) {
    throw new PermanentError(
      'conflict',
      `${displayRef(account)}: rotation ${journal.rotationId} promoted its ${what} already; there is nothing to abandon — resume it (iam-pam dlq replay)${resume}`,
    );
  }
}
