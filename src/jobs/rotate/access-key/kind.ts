/**
 * The `access-key` kind of `rotate` (DESIGN.md "Rotation, step by step"): plan → intent →
 * create_sent → create (+ pending stored) → verify → promote → tag → deactivate → delete →
 * untag, then the step runner's `done`. Each step is in its own file; the runner journals each
 * outcome before the next step starts and resumes at the first step not journaled.
 */
import type { ClosedJournal } from '../journal.ts';
import type { RotationKind } from '../rotation-kind.ts';
import { abandonAccessKeyRotation } from './abandon.ts';
import { createSteps, intentStep } from './create-key.ts';
import type { AccessKeyRotationDeps } from './deps.ts';
import type { CreateRecord, PlanRecord } from './journal-records.ts';
import { recordOf } from './journal-records.ts';
import { planStep } from './plan.ts';
import { promoteStep, tagStep } from './promote-and-tag.ts';
import { retireSteps } from './retire-steps.ts';
import { createTagReadSkip } from './tag-read.ts';
import { verifyStep } from './verify-key.ts';

export const ACCESS_KEY_STEPS = [
  'plan',
  'intent',
  'create_sent',
  'create',
  'verify',
  'promote',
  'tag',
  'deactivate',
  'delete',
  'untag',
] as const;

/** The result's fields (CONTRACT.md "rotation result"): key ids and when the old key goes. */
function resultOf(journal: ClosedJournal): Record<string, unknown> {
  const plan = recordOf<PlanRecord>(journal, 'plan');
  const created = recordOf<CreateRecord>(journal, 'create');
  const deleted = journal.steps.find((s) => s.step === 'delete');
  const deletion = deleted?.record as
    { deleted?: string; at?: string; scheduled?: string } | undefined;
  const deactivation = recordOf<{ scheduled?: string; at?: string; inFlightDrain?: unknown }>(
    journal,
    'deactivate',
  );
  let oldKeyDeletion: { at: string; scheduled?: boolean } | undefined;
  if (deletion?.deleted !== undefined && deleted !== undefined) {
    oldKeyDeletion = { at: deleted.at };
  } else if (deletion?.scheduled !== undefined && deletion.at !== undefined) {
    oldKeyDeletion = { at: deletion.at, scheduled: true };
  } else if (deactivation?.scheduled !== undefined && deactivation.at !== undefined) {
    oldKeyDeletion = { at: deactivation.at, scheduled: true };
  }
  return {
    ...(plan?.oldAccessKeyId === undefined ? {} : { oldAccessKeyId: plan.oldAccessKeyId }),
    ...(created === undefined ? {} : { newAccessKeyId: created.newAccessKeyId }),
    ...(oldKeyDeletion === undefined ? {} : { oldKeyDeletion }),
    ...(plan?.oldKeyLastUsedAt === undefined ? {} : { oldKeyLastUsedAt: plan.oldKeyLastUsedAt }),
    // The provider's own key: the calls still signed with the old key that deactivate waited for.
    ...(deactivation?.inFlightDrain === undefined
      ? {}
      : { oldKeyInFlight: deactivation.inFlightDrain }),
  };
}

export function createAccessKeyKind(deps: AccessKeyRotationDeps): RotationKind {
  const tagReadSkip = createTagReadSkip();
  const steps = [
    planStep(deps, tagReadSkip),
    intentStep(),
    ...createSteps(deps),
    verifyStep(deps),
    promoteStep(deps),
    tagStep(tagReadSkip),
    ...retireSteps(deps),
  ];
  return {
    kind: 'access-key',
    steps,
    abandon: (input, ports) => abandonAccessKeyRotation(deps, input, ports),
    result: resultOf,
  };
}
