/**
 * `store_pending` and `apply_sent` (DESIGN.md invariant 1: a password is in the vault before it
 * is sent). `store_pending` generates the password against the plan's policy and hands it to
 * the step runner, which stores it as `pending` in the same atomic write that records the step;
 * `apply_sent` records that it may now reach AWS, after which it is never discarded (the
 * `unconfirmed` rule, apply.ts and abandon.ts). Neither calls IAM.
 */
import { generatePassword } from '../../../passwords/generate-password.ts';
import { requireRecord } from '../journal.ts';
import type { RotationStep } from '../rotation-kind.ts';
import type { PasswordPlanRecord } from './journal-records.ts';

export function storePendingStep(): RotationStep {
  return {
    name: 'store_pending',
    async run({ account, journal }) {
      const plan = requireRecord<PasswordPlanRecord>(journal, 'plan');
      const password = generatePassword(plan.policy, { userName: account.userName });
      return { record: { length: password.length }, pending: { password } };
    },
  };
}

export function applySentStep(): RotationStep {
  return {
    name: 'apply_sent',
    async run(_input, { now }) {
      return { record: { sentAt: now().toISOString() } };
    },
  };
}
