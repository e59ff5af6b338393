/** The IAM gateway through the real SDK over HTTP, against the selected backend. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PermanentError } from '../../src/errors.ts';
import { createAwsIamGateway } from '../../src/iam/aws-iam-gateway.ts';
import { createIamClients } from '../../src/iam/create-iam-clients.ts';
import type { IamGateway } from '../../src/iam/iam-gateway.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { useIamBackend } from '../support/iam-backend.ts';

const backend = useIamBackend();
let admin: IamAdmin;
let gateway: IamGateway;
const calls: string[] = [];

beforeAll(() => {
  admin = createIamAdmin(backend.current);
  const clients = createIamClients({
    region: backend.current.region,
    iamEndpoint: backend.current.endpoint,
    stsEndpoint: backend.current.endpoint,
    credentials: backend.current.credentials,
    hooks: {
      beforeRequest: async ({ action }) => {
        calls.push(action);
      },
    },
  });
  gateway = createAwsIamGateway(clients);
});

afterAll(async () => {
  await admin.cleanup();
});

describe(`IAM gateway on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('lists users across pages', async () => {
    const created = [
      await admin.createUser('gw-list'),
      await admin.createUser('gw-list'),
      await admin.createUser('gw-list'),
    ];
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await gateway.listUsersPage({
        pathPrefix: backend.current.userPath,
        marker,
        maxItems: 2,
      });
      seen.push(...page.users.map((u) => u.userName));
      marker = page.marker;
    } while (marker);
    expect(seen).toEqual(expect.arrayContaining(created));
    const alice = (await gateway.getUser(created[0])).userId;
    expect(alice).toMatch(/\w{16,}/);
  });

  it('creates, lists, deactivates and deletes an access key; a second delete counts as done', async () => {
    const userName = await admin.createUser('gw-keys');
    const key = await gateway.createAccessKey(userName);
    expect(key.accessKeyId).toMatch(/^AKIA/);
    expect(key.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect(key.status).toBe('Active');

    expect(await gateway.listAccessKeys(userName)).toEqual([
      expect.objectContaining({ accessKeyId: key.accessKeyId, userName, status: 'Active' }),
    ]);
    await gateway.updateAccessKeyStatus(userName, key.accessKeyId, 'Inactive');
    expect((await gateway.listAccessKeys(userName))[0]?.status).toBe('Inactive');

    const deleted = await gateway.deleteAccessKey(userName, key.accessKeyId);
    expect(deleted.alreadyGone).toBe(false);
    expect(await gateway.listAccessKeys(userName)).toEqual([]);
    expect((await gateway.deleteAccessKey(userName, key.accessKeyId)).alreadyGone).toBe(true);
  });

  it('refuses a third key with quota_exceeded, sent once', async () => {
    const userName = await admin.createUser('gw-quota');
    await gateway.createAccessKey(userName);
    await gateway.createAccessKey(userName);
    const before = calls.length;
    const refused = gateway.createAccessKey(userName);
    await expect(refused).rejects.toThrow(PermanentError);
    await expect(refused).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(calls.slice(before)).toEqual(['CreateAccessKey']);
  });

  it('reads, writes and removes user tags', async () => {
    const userName = await admin.createUser('gw-tags');
    await admin.tagUser(userName, { team: 'platform' });
    await gateway.tagUser(userName, [{ key: 'AKIAEXAMPLEKEY000001', value: 'managed by iam-pam' }]);
    const tags = await gateway.listUserTags(userName);
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'platform' },
        { key: 'AKIAEXAMPLEKEY000001', value: 'managed by iam-pam' },
      ]),
    );
    await gateway.untagUser(userName, ['AKIAEXAMPLEKEY000001']);
    expect(await gateway.listUserTags(userName)).toEqual([{ key: 'team', value: 'platform' }]);
  });

  it('reports a missing user as user_missing, without retry', async () => {
    const refused = gateway.listAccessKeys('no-such-user-iam-pam');
    await expect(refused).rejects.toThrow(PermanentError);
    await expect(refused).rejects.toMatchObject({ code: 'user_missing' });
  });
});
