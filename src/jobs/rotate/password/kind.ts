/**
 * The `password` kind of `rotate` (DESIGN.md "Rotation, step by step" → Password): plan →
 * store_pending (generated, in the vault before AWS is called) → apply_sent → apply
 * (CreateLoginProfile or UpdateLoginProfile) → promote, then the step runner's `done`. Each
 * step is in its own file; the runner journals each outcome before the next step starts.
 */
import type { ClosedJournal } from '../journal.ts';
import { recordOf } from '../journal.ts';
import type { RotationKind } from '../rotation-kind.ts';
import { abandonPasswordRotation } from './abandon.ts';
import { applyStep } from './apply.ts';
import type { PasswordRotationDeps } from './deps.ts';
import type { ApplyRecord, PasswordPlanRecord } from './journal-records.ts';
import { passwordPlanStep } from './plan.ts';
import { passwordPromoteStep } from './promote.ts';
import { applySentStep, storePendingStep } from './store-pending.ts';

export const PASSWORD_STEPS = ['plan', 'store_pending', 'apply_sent', 'apply', 'promote'] as const;

/** The result's fields: what IAM was asked, the policy, the vault version — never the password. */
function resultOf(journal: ClosedJournal): Record<string, unknown> {
  const plan = recordOf<PasswordPlanRecord>(journal, 'plan');
  const applied = recordOf<ApplyRecord>(journal, 'apply');
  return {
    ...(applied === undefined
      ? {}
      : {
          loginProfile: applied.action === 'create' ? 'created' : 'updated',
          vaultVersionId: applied.vaultVersionId,
          ...(applied.regenerated === undefined
            ? {}
            : { unconfirmedVersionId: applied.regenerated.unconfirmedVersionId }),
        }),
    ...(plan === undefined
      ? {}
      : {
          policy: plan.policyDescription,
          resetRequired: plan.resetRequired,
          ...(plan.policyNote === undefined ? {} : { policyNote: plan.policyNote }),
        }),
  };
}

export function createPasswordKind(deps: PasswordRotationDeps): RotationKind {
  return {
    kind: 'password',
    steps: [
      passwordPlanStep(deps),
      storePendingStep(),
      applySentStep(),
      applyStep(deps),
      passwordPromoteStep(deps),
    ],
    abandon: abandonPasswordRotation,
    result: resultOf,
  };
}
