/** Conformance: console passwords — GetLoginProfile, Create, Update, Delete, AWS's default policy. */
import {
  CreateLoginProfileCommand,
  DeleteLoginProfileCommand,
  GetLoginProfileCommand,
  UpdateLoginProfileCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';

import { sleep } from '../../../src/sleep.ts';
import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';

const { backend, admin } = useIamAdmin();

const GOOD = 'Correct-Horse-7';
const profileMessages = unsupportedOn({
  moto: 'moto words these "Login profile for X not found" and "User X already has password"',
});
const defaultPolicy = unsupportedOn({
  moto: "moto enforces no password policy, not even AWS's default (8 characters, 3 of 4 classes)",
});
const partialUpdate = unsupportedOn({
  moto: 'moto removes the login profile when UpdateLoginProfile is sent without a Password',
});
const createDateMoves = unsupportedOn({
  moto: 'moto leaves CreateDate unchanged when UpdateLoginProfile sets a new password',
});

describe(`login profiles on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('creates, reads, updates and deletes a login profile', async () => {
    const userName = await admin.createUser('conf-lp');
    const created = await admin.client.send(
      new CreateLoginProfileCommand({ UserName: userName, Password: GOOD }),
    );
    expect(created.LoginProfile).toEqual({
      UserName: userName,
      CreateDate: expect.any(Date),
      PasswordResetRequired: false,
    });
    await admin.client.send(
      new UpdateLoginProfileCommand({
        UserName: userName,
        Password: 'Battery-Staple-8',
        PasswordResetRequired: true,
      }),
    );
    const got = await admin.client.send(new GetLoginProfileCommand({ UserName: userName }));
    expect(got.LoginProfile).toMatchObject({ UserName: userName, PasswordResetRequired: true });
    await admin.client.send(new DeleteLoginProfileCommand({ UserName: userName }));
    expect(
      await awsError(admin.client.send(new GetLoginProfileCommand({ UserName: userName }))),
    ).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('tells a missing user from a missing profile only by the message', async () => {
    const userName = await admin.createUser('conf-nolp');
    const noProfile = await awsError(
      admin.client.send(new GetLoginProfileCommand({ UserName: userName })),
    );
    expect(noProfile).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
    const noUser = await awsError(
      admin.client.send(new GetLoginProfileCommand({ UserName: 'no-such-user-lp' })),
    );
    expect(noUser).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name no-such-user-lp cannot be found.',
    });
    const createForNobody = await awsError(
      admin.client.send(
        new CreateLoginProfileCommand({ UserName: 'no-such-user-lp', Password: GOOD }),
      ),
    );
    expect(createForNobody.message).toBe('The user with name no-such-user-lp cannot be found.');
  });

  it('refuses a second login profile with EntityAlreadyExists 409', async () => {
    const userName = await admin.createUser('conf-lpdup');
    await admin.client.send(new CreateLoginProfileCommand({ UserName: userName, Password: GOOD }));
    const error = await awsError(
      admin.client.send(new CreateLoginProfileCommand({ UserName: userName, Password: GOOD })),
    );
    expect(error).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 });
  });

  it.skipIf(profileMessages.skip)(
    `words missing and duplicate profiles as AWS does${profileMessages.label}`,
    async () => {
      const userName = await admin.createUser('conf-lpmsg');
      const missing = await awsError(
        admin.client.send(new GetLoginProfileCommand({ UserName: userName })),
      );
      expect(missing.message).toBe(`Login Profile for User ${userName} cannot be found.`);
      const update = await awsError(
        admin.client.send(new UpdateLoginProfileCommand({ UserName: userName, Password: GOOD })),
      );
      expect(update).toMatchObject({
        name: 'NoSuchEntityException',
        message: `Login Profile for User ${userName} cannot be found.`,
      });
      await admin.client.send(
        new CreateLoginProfileCommand({ UserName: userName, Password: GOOD }),
      );
      const duplicate = await awsError(
        admin.client.send(new CreateLoginProfileCommand({ UserName: userName, Password: GOOD })),
      );
      expect(duplicate.message).toBe(`Login Profile for user ${userName} already exists.`);
    },
  );

  it.skipIf(defaultPolicy.skip)(
    `enforces AWS's default password policy when the account has none${defaultPolicy.label}`,
    async () => {
      const userName = await admin.createUser('conf-lpweak');
      const short = await awsError(
        admin.client.send(new CreateLoginProfileCommand({ UserName: userName, Password: 'Ab1!' })),
      );
      expect(short).toMatchObject({
        name: 'PasswordPolicyViolationException',
        status: 400,
        message: 'Password should have a minimum length of 8',
      });
      const twoClasses = await awsError(
        admin.client.send(
          new CreateLoginProfileCommand({ UserName: userName, Password: 'abcdefgh1' }),
        ),
      );
      expect(twoClasses.message).toBe(
        'Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol',
      );
      await admin.client.send(
        new CreateLoginProfileCommand({ UserName: userName, Password: GOOD }),
      );
      const weakUpdate = await awsError(
        admin.client.send(
          new UpdateLoginProfileCommand({ UserName: userName, Password: 'password' }),
        ),
      );
      expect(weakUpdate.name).toBe('PasswordPolicyViolationException');
    },
  );

  it.skipIf(partialUpdate.skip)(
    `changes only what UpdateLoginProfile names${partialUpdate.label}`,
    async () => {
      const userName = await admin.createUser('conf-lppartial');
      await admin.client.send(
        new CreateLoginProfileCommand({ UserName: userName, Password: GOOD }),
      );
      await admin.client.send(
        new UpdateLoginProfileCommand({ UserName: userName, PasswordResetRequired: true }),
      );
      const got = await admin.client.send(new GetLoginProfileCommand({ UserName: userName }));
      expect(got.LoginProfile?.PasswordResetRequired).toBe(true);
      // The password itself is visible only through the sandbox's admin view.
      const sandbox = backend.current.sandbox;
      if (sandbox !== undefined) {
        expect(sandbox.user(userName)?.loginProfile?.password).toBe(GOOD);
      }
    },
  );

  it.skipIf(createDateMoves.skip)(
    `moves CreateDate when a new password is set${createDateMoves.label}`,
    async () => {
      const userName = await admin.createUser('conf-lpdate');
      const created = await admin.client.send(
        new CreateLoginProfileCommand({ UserName: userName, Password: GOOD }),
      );
      // IAM dates have whole seconds: the wait for the next one is what is tested (plus 100 ms
      // for the backend's clock against ours).
      const createDate = created.LoginProfile?.CreateDate?.getTime() ?? 0;
      await sleep(Math.max(0, createDate + 1_100 - Date.now()));
      await admin.client.send(
        new UpdateLoginProfileCommand({ UserName: userName, Password: 'Another-Pass-8' }),
      );
      const got = await admin.client.send(new GetLoginProfileCommand({ UserName: userName }));
      expect(got.LoginProfile?.CreateDate?.getTime()).toBeGreaterThan(
        created.LoginProfile?.CreateDate?.getTime() ?? 0,
      );
    },
  );
});
