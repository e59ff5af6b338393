/**
 * `promote` of a password rotation: the vault version AWS now holds (the apply record's)
 * becomes current, the current one previous. A successful apply settled which password AWS
 * holds: it replaced whatever AWS held before, so the one kept as `unconfirmed` — this
 * rotation's first, or one an earlier abandoned rotation left — can no longer be AWS's, and is
 * forgotten. (Every send of this rotation came before that apply's answer, and the journal
 * blocks another rotation until this one closes.) Converges: the vault promotes by version id
 * (a repeat finds it current already).
 */
import { canonicalRef } from '../../../accounts/account-ref.ts';
import { requireRecord } from '../journal.ts';
import type { RotationStep } from '../rotation-kind.ts';
import type { PasswordRotationDeps } from './deps.ts';
import type { ApplyRecord } from './journal-records.ts';

export function passwordPromoteStep(deps: PasswordRotationDeps): RotationStep {
  return {
    name: 'promote',
    async run({ account, journal }, ports) {
      const { vaultVersionId } = requireRecord<ApplyRecord>(journal, 'apply');
      const owner = canonicalRef(account);
      await ports.vault.promote(owner, { ...ports.vaultWrite, versionId: vaultVersionId });
      const unconfirmed = await ports.vault.versionIdAt(owner, 'unconfirmed');
      if (unconfirmed !== undefined) {
        await ports.vault.clear(owner, 'unconfirmed', ports.vaultWrite);
      }
      await deps.accounts.update(account, { secretKnown: true, passwordSource: 'set_by_us' });
      return {
        record: {
          vaultVersionId,
          ...(unconfirmed === undefined ? {} : { forgotUnconfirmedVersionId: unconfirmed }),
        },
      };
    },
  };
}
