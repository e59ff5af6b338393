/** Conformance: CreateUser, GetUser, ListUsers' user shape, DeleteUser — on every backend. */
import {
  CreateUserCommand,
  DeleteUserCommand,
  GetUserCommand,
  ListUsersCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';

const { backend, admin } = useIamAdmin();

const awsIds = unsupportedOn({
  moto: 'moto makes user ids of 20 random lower-case characters, not AIDA…',
});
const exactDuplicateMessage = unsupportedOn({
  moto: 'moto says "User X already exists" instead of "User with name X already exists."',
});
const caseInsensitiveNames = unsupportedOn({
  moto: 'moto treats user names as case-sensitive: Alice and alice become two users',
});
const deleteConflicts = unsupportedOn({
  moto: 'moto deletes a user that still has access keys, a login profile or inline policies',
});

describe(`users on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('creates a user with its path, ARN, id and creation date; GetUser returns the same', async () => {
    const path = backend.current.userPath;
    const userName = await admin.createUser('conf-user');
    const got = await admin.client.send(new GetUserCommand({ UserName: userName }));
    const user = got.User;
    expect(user).toMatchObject({ UserName: userName, Path: path });
    expect(user?.Arn).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:user${path}${userName}$`));
    expect(user?.UserId).toMatch(/^\w{16,128}$/);
    expect(Math.abs((user?.CreateDate?.getTime() ?? 0) - Date.now())).toBeLessThan(120_000);
    expect(got.$metadata.requestId).toEqual(expect.any(String));
  });

  it.skipIf(awsIds.skip)(`gives users AIDA… ids${awsIds.label}`, async () => {
    const userName = await admin.createUser('conf-id');
    const got = await admin.client.send(new GetUserCommand({ UserName: userName }));
    expect(got.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('returns tags with GetUser only, never with ListUsers', async () => {
    const userName = await admin.createUser('conf-tags');
    await admin.client.send(
      new TagUserCommand({ UserName: userName, Tags: [{ Key: 'team', Value: 'platform' }] }),
    );
    const got = await admin.client.send(new GetUserCommand({ UserName: userName }));
    expect(got.User?.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    const listed = await admin.client.send(
      new ListUsersCommand({ PathPrefix: backend.current.userPath, MaxItems: 1000 }),
    );
    const entry = listed.Users?.find((u) => u.UserName === userName);
    expect(entry).toBeDefined();
    expect(entry?.Tags).toBeUndefined();
  });

  it('refuses a second user of the same name with EntityAlreadyExists 409', async () => {
    const userName = await admin.createUser('conf-dup');
    const error = await awsError(
      admin.client.send(
        new CreateUserCommand({ UserName: userName, Path: backend.current.userPath }),
      ),
    );
    expect(error).toMatchObject({
      name: 'EntityAlreadyExistsException',
      status: 409,
      fault: 'client',
    });
  });

  it.skipIf(exactDuplicateMessage.skip)(
    `words the duplicate as AWS does${exactDuplicateMessage.label}`,
    async () => {
      const userName = await admin.createUser('conf-dupmsg');
      const error = await awsError(
        admin.client.send(new CreateUserCommand({ UserName: userName })),
      );
      expect(error.message).toBe(`User with name ${userName} already exists.`);
    },
  );

  it.skipIf(caseInsensitiveNames.skip)(
    `treats user names as unique regardless of case${caseInsensitiveNames.label}`,
    async () => {
      const userName = await admin.createUser('conf-case');
      const upper = userName.toUpperCase();
      const error = await awsError(admin.client.send(new CreateUserCommand({ UserName: upper })));
      expect(error).toMatchObject({ name: 'EntityAlreadyExistsException', status: 409 });
      expect(error.message).toBe(`User with name ${upper} already exists.`);
      // Lookups ignore case too and report the name as created.
      const got = await admin.client.send(new GetUserCommand({ UserName: upper }));
      expect(got.User?.UserName).toBe(userName);
    },
  );

  it('answers an unknown user with NoSuchEntity 404 and AWS message', async () => {
    const error = await awsError(
      admin.client.send(new GetUserCommand({ UserName: 'no-such-user-conf' })),
    );
    expect(error).toEqual({
      name: 'NoSuchEntityException',
      status: 404,
      message: 'The user with name no-such-user-conf cannot be found.',
      requestId: expect.any(String),
      fault: 'client',
    });
    const deleted = await awsError(
      admin.client.send(new DeleteUserCommand({ UserName: 'no-such-user-conf' })),
    );
    expect(deleted).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('answers GetUser without a name with the user who signed', async () => {
    const principal = await admin.createPrincipal('conf-self', [
      { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
    ]);
    const got = await principal.iam.send(new GetUserCommand({}));
    expect(got.User?.UserName).toBe(principal.userName);
    expect(got.User?.Arn).toBe(principal.arn);
  });

  it('gives a user deleted and created again a new UserId', async () => {
    const userName = await admin.createUser('conf-recreate');
    const first = await admin.client.send(new GetUserCommand({ UserName: userName }));
    await admin.client.send(new DeleteUserCommand({ UserName: userName }));
    await admin.client.send(
      new CreateUserCommand({ UserName: userName, Path: backend.current.userPath }),
    );
    const second = await admin.client.send(new GetUserCommand({ UserName: userName }));
    expect(second.User?.UserId).not.toBe(first.User?.UserId);
  });

  it.skipIf(deleteConflicts.skip)(
    `refuses to delete a user that still has keys, a password or policies${deleteConflicts.label}`,
    async () => {
      const withKey = await admin.createUser('conf-delkey');
      await admin.createAccessKey(withKey);
      expect(
        await awsError(admin.client.send(new DeleteUserCommand({ UserName: withKey }))),
      ).toMatchObject({
        name: 'DeleteConflictException',
        status: 409,
        message: 'Cannot delete entity, must delete access keys first.',
      });
      const withPolicy = await admin.createUser('conf-delpol');
      await admin.putUserPolicy(withPolicy, 'p', [
        { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
      ]);
      expect(
        (await awsError(admin.client.send(new DeleteUserCommand({ UserName: withPolicy }))))
          .message,
      ).toBe('Cannot delete entity, must delete policies first.');
    },
  );
});
