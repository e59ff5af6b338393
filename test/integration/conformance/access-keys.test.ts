/** Conformance: access keys — create, list, the two-key quota, status, delete, last use. */
import type { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { clientsFor, createIamAdmin, type IamAdmin } from '../../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../../support/iam-backend.ts';

const backend = useIamBackend();
let admin: IamAdmin;
/** One attempt: the SDK would otherwise retry LimitExceeded three times as throttling. */
let once: IAMClient;

beforeAll(() => {
  admin = createIamAdmin(backend.current);
  once = clientsFor(backend.current, backend.current.credentials).iam;
});
afterAll(async () => {
  once.destroy();
  await admin.cleanup();
});

const keyMessages = unsupportedOn({
  moto: 'moto leaves the final period off "The Access Key with id X cannot be found"',
});
const statusEnum = unsupportedOn({ moto: 'moto accepts Status=Bogus without a ValidationError' });
const lastUsedUnknown = unsupportedOn({
  moto: 'moto answers GetAccessKeyLastUsed on an unknown key with NoSuchEntity; AWS with AccessDenied 403',
});

describe(`access keys on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('creates an Active AKIA key whose secret only CreateAccessKey ever returns', async () => {
    const userName = await admin.createUser('conf-key');
    const out = await admin.client.send(new CreateAccessKeyCommand({ UserName: userName }));
    expect(out.AccessKey).toMatchObject({ UserName: userName, Status: 'Active' });
    expect(out.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(out.AccessKey?.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(out.AccessKey?.CreateDate).toBeInstanceOf(Date);

    const listed = await admin.client.send(new ListAccessKeysCommand({ UserName: userName }));
    expect(listed.Marker).toBeUndefined();
    expect(listed.AccessKeyMetadata).toEqual([
      {
        UserName: userName,
        AccessKeyId: out.AccessKey?.AccessKeyId,
        Status: 'Active',
        CreateDate: expect.any(Date),
      },
    ]);
  });

  it('lists no keys as an empty list', async () => {
    const userName = await admin.createUser('conf-nokey');
    const listed = await admin.client.send(new ListAccessKeysCommand({ UserName: userName }));
    expect(listed.AccessKeyMetadata).toEqual([]);
  });

  it('refuses a third key with LimitExceeded 409, counting an Inactive key', async () => {
    const userName = await admin.createUser('conf-quota');
    const first = await admin.createAccessKey(userName);
    await admin.createAccessKey(userName);
    await admin.client.send(
      new UpdateAccessKeyCommand({
        UserName: userName,
        AccessKeyId: first.accessKeyId,
        Status: 'Inactive',
      }),
    );
    const error = await awsError(once.send(new CreateAccessKeyCommand({ UserName: userName })));
    expect(error).toMatchObject({
      name: 'LimitExceededException',
      status: 409,
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
    });
  });

  it('deactivates and reactivates a key, and deletes it; a second delete is NoSuchEntity', async () => {
    const userName = await admin.createUser('conf-status');
    const key = await admin.createAccessKey(userName);
    const status = async () =>
      (await admin.client.send(new ListAccessKeysCommand({ UserName: userName })))
        .AccessKeyMetadata?.[0]?.Status;
    const update = (Status: 'Active' | 'Inactive') =>
      admin.client.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: key.accessKeyId, Status }),
      );
    await update('Inactive');
    expect(await status()).toBe('Inactive');
    await update('Active');
    expect(await status()).toBe('Active');
    await admin.client.send(
      new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.accessKeyId }),
    );
    expect(await status()).toBeUndefined();
    const again = await awsError(
      admin.client.send(
        new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key.accessKeyId }),
      ),
    );
    expect(again).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
  });

  it('answers a key the user does not have with NoSuchEntity 404', async () => {
    const userName = await admin.createUser('conf-nokey2');
    for (const send of [
      () =>
        admin.client.send(
          new UpdateAccessKeyCommand({
            UserName: userName,
            AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
            Status: 'Inactive',
          }),
        ),
      () =>
        admin.client.send(
          new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' }),
        ),
    ]) {
      const error = await awsError(send());
      expect(error).toMatchObject({ name: 'NoSuchEntityException', status: 404 });
      expect(error.message).toMatch(/^The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found/);
    }
  });

  it.skipIf(keyMessages.skip)(`words a missing key as AWS does${keyMessages.label}`, async () => {
    const userName = await admin.createUser('conf-keymsg');
    const error = await awsError(
      admin.client.send(
        new UpdateAccessKeyCommand({
          UserName: userName,
          AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          Status: 'Active',
        }),
      ),
    );
    expect(error.message).toBe('The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.');
  });

  it.skipIf(statusEnum.skip)(
    `refuses a status outside Active/Inactive with ValidationError${statusEnum.label}`,
    async () => {
      const userName = await admin.createUser('conf-enum');
      const key = await admin.createAccessKey(userName);
      const error = await awsError(
        admin.client.send(
          new UpdateAccessKeyCommand({
            UserName: userName,
            AccessKeyId: key.accessKeyId,
            Status: 'Bogus' as 'Active',
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'ValidationError',
        status: 400,
        message:
          "1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set",
      });
    },
  );

  it('reports N/A for a key never used, then the service and region of its last use', async () => {
    const userName = await admin.createUser('conf-lastused');
    const key = await admin.createAccessKey(userName);
    const unused = await admin.client.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }),
    );
    expect(unused.UserName).toBe(userName);
    expect(unused.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });

    const { sts } = clientsFor(backend.current, key);
    await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    const used = await admin.client.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }),
    );
    expect(used.AccessKeyLastUsed).toMatchObject({
      ServiceName: 'sts',
      Region: backend.current.region,
    });
    expect(
      Math.abs((used.AccessKeyLastUsed?.LastUsedDate?.getTime() ?? 0) - Date.now()),
    ).toBeLessThan(120_000);
  });

  it.skipIf(lastUsedUnknown.skip)(
    `answers GetAccessKeyLastUsed on an unknown key with AccessDenied 403${lastUsedUnknown.label}`,
    async () => {
      const { sts } = clientsFor(backend.current, backend.current.credentials);
      const caller = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
      sts.destroy();
      const error = await awsError(
        admin.client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })),
      );
      expect(error).toMatchObject({
        name: 'AccessDenied',
        status: 403,
        message: `User: ${caller} is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key AKIAIOSFODNN7EXAMPLE`,
      });
    },
  );

  it("creates and lists the signer's own keys when UserName is omitted", async () => {
    const principal = await admin.createPrincipal('conf-ownkeys', [
      { Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: '*' },
    ]);
    const created = await principal.iam.send(new CreateAccessKeyCommand({}));
    expect(created.AccessKey?.UserName).toBe(principal.userName);
    const listed = await principal.iam.send(new ListAccessKeysCommand({}));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId).sort()).toEqual(
      [principal.credentials.accessKeyId, created.AccessKey?.AccessKeyId].sort(),
    );
  });
});
