/**
 * `plan` of a password rotation (DESIGN.md "Rotation, step by step" → Password): refuses what
 * the rotation could not finish (an action the last validation found denied), reads whether
 * the user has a console password (GetLoginProfile: none → create, else update) and resolves
 * the password policy (src/passwords/resolve-password-policy.ts). Changes nothing.
 */
import { displayRef } from '../../../accounts/account-ref.ts';
import { resolvePasswordPolicy } from '../../../passwords/resolve-password-policy.ts';
import { refuseDeniedActions } from '../refuse-denied.ts';
import type { RotationStep } from '../rotation-kind.ts';
import type { PasswordRotationDeps } from './deps.ts';
import type { PasswordPlanRecord } from './journal-records.ts';

/** What a password rotation calls; any of them denied means it could not finish. */
export const PASSWORD_ROTATION_ACTIONS = [
  'iam:GetLoginProfile',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
] as const;

export function passwordPlanStep(deps: PasswordRotationDeps): RotationStep {
  return {
    name: 'plan',
    async run({ account, journal }, ports) {
      const name = displayRef(account);
      const { policy, denied } = await deps.providerOf(account.provider);
      refuseDeniedActions(name, denied, PASSWORD_ROTATION_ACTIONS, 'a password rotation');
      await deps.accounts.require(account);
      const profile = await ports.iam.getLoginProfile(account.userName);
      const resolved = await resolvePasswordPolicy(policy.passwordPolicy, ports.iam, {
        provider: account.provider,
      });
      const planned: PasswordPlanRecord = {
        action: profile === undefined ? 'create' : 'update',
        policy: resolved.policy,
        policyDescription: resolved.description,
        accountPolicy: resolved.account,
        ...(resolved.note === undefined ? {} : { policyNote: resolved.note }),
        resetRequired: policy.passwordResetRequired,
      };
      ports.log.info(
        { rotationId: journal.rotationId, action: planned.action },
        'password rotation planned',
      );
      return { record: { ...planned } };
    },
  };
}
