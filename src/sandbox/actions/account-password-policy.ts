/** GetAccountPasswordPolicy, UpdateAccountPasswordPolicy, DeleteAccountPasswordPolicy. */
import { IamError } from '../protocol/iam-error.ts';
import { xmlElement, xmlText } from '../protocol/xml.ts';
import { defineAction } from './define-action.ts';

export const getAccountPasswordPolicy = defineAction({
  name: 'GetAccountPasswordPolicy',
  service: 'iam',
  input: () => ({}),
  resource: () => '*',
  run(_input, context) {
    const policy = context.state.passwordPolicy;
    if (policy === undefined) {
      // "Using the default password policy is considered having no password policy defined."
      throw new IamError(
        'NoSuchEntity',
        404,
        `The Password Policy with domain name ${context.state.accountId} cannot be found.`,
      );
    }
    return xmlElement(
      'PasswordPolicy',
      xmlText('MinimumPasswordLength', policy.minimumPasswordLength) +
        xmlText('RequireSymbols', policy.requireSymbols) +
        xmlText('RequireNumbers', policy.requireNumbers) +
        xmlText('RequireUppercaseCharacters', policy.requireUppercaseCharacters) +
        xmlText('RequireLowercaseCharacters', policy.requireLowercaseCharacters) +
        xmlText('AllowUsersToChangePassword', policy.allowUsersToChangePassword) +
        // Derived, not stored: "true if MaxPasswordAge contains a value greater than 0" (§4.14).
        xmlText('ExpirePasswords', (policy.maxPasswordAge ?? 0) > 0) +
        // Fields never set are left out, as AWS does, rather than sent as 0 or false.
        xmlText('MaxPasswordAge', policy.maxPasswordAge) +
        xmlText('PasswordReusePrevention', policy.passwordReusePrevention) +
        xmlText('HardExpiry', policy.hardExpiry),
    );
  },
});

export const updateAccountPasswordPolicy = defineAction({
  name: 'UpdateAccountPasswordPolicy',
  service: 'iam',
  input(v) {
    // The order AWS lists violations in (validated: minimum, reuse, age).
    const minimumPasswordLength = v.int('MinimumPasswordLength', 'minimumPasswordLength', {
      min: 6,
      max: 128,
    });
    const passwordReusePrevention = v.int('PasswordReusePrevention', 'passwordReusePrevention', {
      min: 1,
      max: 24,
    });
    const maxPasswordAge = v.int('MaxPasswordAge', 'maxPasswordAge', { min: 1, max: 1095 });
    // No partial updates: whatever is omitted takes the API default (6, false, none).
    return {
      minimumPasswordLength: minimumPasswordLength ?? 6,
      requireSymbols: v.bool('RequireSymbols', 'requireSymbols') ?? false,
      requireNumbers: v.bool('RequireNumbers', 'requireNumbers') ?? false,
      requireUppercaseCharacters:
        v.bool('RequireUppercaseCharacters', 'requireUppercaseCharacters') ?? false,
      requireLowercaseCharacters:
        v.bool('RequireLowercaseCharacters', 'requireLowercaseCharacters') ?? false,
      allowUsersToChangePassword:
        v.bool('AllowUsersToChangePassword', 'allowUsersToChangePassword') ?? false,
      maxPasswordAge,
      passwordReusePrevention,
      hardExpiry: v.bool('HardExpiry', 'hardExpiry'),
    };
  },
  resource: () => '*',
  run(policy, context) {
    context.state.passwordPolicy = policy;
    return undefined;
  },
});

export const deleteAccountPasswordPolicy = defineAction({
  name: 'DeleteAccountPasswordPolicy',
  service: 'iam',
  input: () => ({}),
  resource: () => '*',
  run(_input, context) {
    if (context.state.passwordPolicy === undefined) {
      throw new IamError(
        'NoSuchEntity',
        404,
        'The account policy with name PasswordPolicy cannot be found.',
      );
    }
    context.state.passwordPolicy = undefined;
    return undefined;
  },
});
