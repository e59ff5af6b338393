/** Conformance: the account password policy — absent by default, set, enforced, reuse, deleted. */
import {
  CreateLoginProfileCommand,
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { clientsFor, createIamAdmin, type IamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../../support/iam-backend.ts';

const backend = useIamBackend();
let admin: IamAdmin;
let accountId: string;

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  const { sts } = clientsFor(backend.current, backend.current.credentials);
  accountId = (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  sts.destroy();
});
afterAll(async () => {
  await admin.client.send(new DeleteAccountPasswordPolicyCommand({})).catch(() => undefined);
  await admin.cleanup();
});

const unsetFieldsOmitted = unsupportedOn({
  moto: 'moto returns MaxPasswordAge 0 and HardExpiry false for fields never set; AWS omits them',
});
const validationWording = unsupportedOn({
  moto: 'moto echoes the values in double quotes ("Value \\"129\\" at \\"minimumPasswordLength\\""); IAM never echoes them',
});
const enforced = unsupportedOn({ moto: 'moto enforces no password policy, nor reuse prevention' });

describe(`account password policy on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('answers NoSuchEntity 404 while no policy is set (the AWS default applies)', async () => {
    const error = await awsError(admin.client.send(new GetAccountPasswordPolicyCommand({})));
    expect(error).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: `The Password Policy with domain name ${accountId} cannot be found.`,
    });
    const deleted = await awsError(admin.client.send(new DeleteAccountPasswordPolicyCommand({})));
    expect(deleted).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The account policy with name PasswordPolicy cannot be found.',
    });
  });

  it('stores a policy and reads it back; a bare update resets to the API defaults', async () => {
    await admin.client.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 10,
        RequireSymbols: true,
        RequireNumbers: true,
        RequireUppercaseCharacters: true,
        RequireLowercaseCharacters: true,
        AllowUsersToChangePassword: true,
        MaxPasswordAge: 60,
        PasswordReusePrevention: 3,
        HardExpiry: true,
      }),
    );
    const got = await admin.client.send(new GetAccountPasswordPolicyCommand({}));
    expect(got.PasswordPolicy).toEqual({
      MinimumPasswordLength: 10,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
      ExpirePasswords: true,
      MaxPasswordAge: 60,
      PasswordReusePrevention: 3,
      HardExpiry: true,
    });
    await admin.client.send(new UpdateAccountPasswordPolicyCommand({}));
    const bare = await admin.client.send(new GetAccountPasswordPolicyCommand({}));
    expect(bare.PasswordPolicy).toMatchObject({
      MinimumPasswordLength: 6,
      RequireSymbols: false,
      RequireNumbers: false,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
      ExpirePasswords: false,
    });
    await admin.client.send(new DeleteAccountPasswordPolicyCommand({}));
  });

  it.skipIf(unsetFieldsOmitted.skip)(
    `omits MaxPasswordAge, PasswordReusePrevention and HardExpiry when not set${unsetFieldsOmitted.label}`,
    async () => {
      await admin.client.send(new UpdateAccountPasswordPolicyCommand({}));
      const bare = await admin.client.send(new GetAccountPasswordPolicyCommand({}));
      expect(bare.PasswordPolicy).toEqual({
        MinimumPasswordLength: 6,
        RequireSymbols: false,
        RequireNumbers: false,
        RequireUppercaseCharacters: false,
        RequireLowercaseCharacters: false,
        AllowUsersToChangePassword: false,
        ExpirePasswords: false,
      });
      await admin.client.send(new DeleteAccountPasswordPolicyCommand({}));
    },
  );

  it('refuses out-of-range values with ValidationError 400', async () => {
    const error = await awsError(
      admin.client.send(
        new UpdateAccountPasswordPolicyCommand({
          MinimumPasswordLength: 129,
          PasswordReusePrevention: 25,
          MaxPasswordAge: 1096,
        }),
      ),
    );
    expect(error).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(error.message).toMatch(/^3 validation errors detected: /);
  });

  it.skipIf(validationWording.skip)(
    `words out-of-range values as IAM does${validationWording.label}`,
    async () => {
      const error = await awsError(
        admin.client.send(
          new UpdateAccountPasswordPolicyCommand({
            MinimumPasswordLength: 129,
            PasswordReusePrevention: 25,
            MaxPasswordAge: 1096,
          }),
        ),
      );
      expect(error.message).toBe(
        "3 validation errors detected: Value at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128; Value at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24; Value at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095",
      );
    },
  );

  it.skipIf(enforced.skip)(
    `enforces a custom policy and remembers passwords per user${enforced.label}`,
    async () => {
      await admin.client.send(
        new UpdateAccountPasswordPolicyCommand({
          MinimumPasswordLength: 14,
          RequireNumbers: true,
          PasswordReusePrevention: 2,
        }),
      );
      try {
        const userName = await admin.createUser('conf-policy');
        const short = await awsError(
          admin.client.send(
            new CreateLoginProfileCommand({ UserName: userName, Password: 'Short-pass-1' }),
          ),
        );
        expect(short).toMatchObject({
          name: 'PasswordPolicyViolationException',
          status: 400,
          message: 'Password should have a minimum length of 14',
        });
        const noNumber = await awsError(
          admin.client.send(
            new CreateLoginProfileCommand({ UserName: userName, Password: 'long-enough-password' }),
          ),
        );
        expect(noNumber.message).toBe('Password should have at least one number');
        // Only what the policy asks: 14 characters with a digit, no other class needed.
        await admin.client.send(
          new CreateLoginProfileCommand({ UserName: userName, Password: 'first-password-1' }),
        );
        const set = (Password: string) =>
          admin.client.send(new UpdateLoginProfileCommand({ UserName: userName, Password }));
        await set('second-password-2');
        const reused = await awsError(set('first-password-1'));
        expect(reused).toMatchObject({
          name: 'PasswordPolicyViolationException',
          status: 400,
          message: 'Password has been used recently and cannot be reused.',
        });
        await set('third-password-3');
        // Two remembered: the first has dropped out.
        await set('first-password-1');
      } finally {
        await admin.client.send(new DeleteAccountPasswordPolicyCommand({}));
      }
    },
  );
});
