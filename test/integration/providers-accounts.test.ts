/** Providers, their IAM access, account import and the prerequisite check, on a real backend. */
import { CreateLoginProfileCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseAccountRef } from '../../src/accounts/account-ref.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { createAuditedGateway } from '../../src/audit/audited-gateway.ts';
import { checkPrerequisites } from '../../src/providers/prerequisites.ts';
import { createTestDomain, custom } from '../support/domain.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { useIamBackend } from '../support/iam-backend.ts';
import { useTestRedis } from '../support/redis.ts';
import { scanForSecrets } from '../support/secret-scan.ts';
import { waitFor } from '../support/wait-for.ts';

const t = useTestRedis();
const backend = useIamBackend();
const calls: string[] = [];
const domain = createTestDomain(t, {
  hooksFor: () => ({
    beforeRequest: async ({ action }) => {
      calls.push(action);
    },
  }),
});
let admin: IamAdmin;
const actor = 'test';
const importDeps = () => ({
  ...domain,
  gatewayFor: domain.clients.gatewayFor,
  verifierFor: domain.clients.verifierFor,
});

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  const { endpoint, credentials, region } = backend.current;
  await domain.providers.put(
    'main',
    {
      region,
      endpoints: endpoint ? { iam: endpoint } : undefined,
      credential: custom(credentials),
    },
    actor,
  );
});

afterAll(async () => {
  await admin.cleanup();
});

describe(`providers and accounts on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('stores a custom provider without its secret and reaches IAM with it', async () => {
    const record = await domain.providers.require('main');
    expect(record).toMatchObject({
      id: 'main',
      credential: { type: 'custom', accessKeyId: backend.current.credentials.accessKeyId },
      status: 'unknown',
    });
    expect(JSON.stringify(record)).not.toContain(backend.current.credentials.secretAccessKey);
    const identity = await domain.clients.gatewayFor('main').getCallerIdentity();
    expect(identity.arn).toMatch(/^arn:aws:(iam|sts)::\d{12}:/);
    expect(
      await scanForSecrets(t.redis, t.prefix, [backend.current.credentials.secretAccessKey]),
    ).toEqual([]);
  });

  it('refuses bad provider bodies, naming the field, and changes nothing', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [
        { credential: { type: 'custom', accessKeyId: 'nope', secretAccessKey: 'x'.repeat(40) } },
        /^credential\.accessKeyId: must be an access key id/,
      ],
      [{ credential: { type: 'psychic' } }, /^credential\.type: /],
      [{ credential: { type: 'chain' }, maxRps: 0 }, /^maxRps: /],
      [
        { credential: { type: 'chain' }, policy: { rotateEveryDays: 'often' } },
        /^policy\.rotateEveryDays: /,
      ],
      [{ credential: { type: 'chain' }, surprise: true }, /surprise/],
      [
        { credential: { type: 'linked', account: 'main/nobody/access-key' } },
        /^credential\.account: main\/nobody\/access-key is not a managed account/,
      ],
    ];
    for (const [body, message] of bad) {
      await expect(domain.providers.put('other', body, actor)).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(message),
      });
    }
    await expect(
      domain.providers.put('Bad_Id', { credential: { type: 'chain' } }, actor),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await domain.providers.get('other')).toBeUndefined();
  });

  it('imports an access-key account: its key becomes the account key, AWS is untouched', async () => {
    const userName = await admin.createUser('Import');
    const key = await admin.createAccessKey(userName);
    const before = calls.length;
    const record = await importAccount(
      importDeps(),
      parseAccountRef(`main/${userName}/access-key`),
      {},
      actor,
    );
    expect(record).toMatchObject({
      account: `main/${userName}/access-key`,
      userName,
      currentAccessKeyId: key.accessKeyId,
      secretKnown: false,
      status: 'managed',
    });
    expect(calls.slice(before)).toEqual(['GetUser', 'ListAccessKeys']);
    await expect(
      importAccount(importDeps(), parseAccountRef(`main/${userName}/access-key`), {}, actor),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already managed/),
    });
  });

  it('needs --access-key-id when the user has two keys, and adopts a named one', async () => {
    const userName = await admin.createUser('two-keys');
    const first = await admin.createAccessKey(userName);
    const second = await admin.createAccessKey(userName);
    const ref = parseAccountRef(`main/${userName}/access-key`);
    await expect(importAccount(importDeps(), ref, {}, actor)).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/has two keys .*--access-key-id/),
    });
    await expect(
      importAccount(importDeps(), ref, { accessKeyId: 'AKIANOTTHEUSERSKEY00' }, actor),
    ).rejects.toMatchObject({ message: expect.stringMatching(/has no key AKIANOTTHEUSERSKEY00/) });
    const record = await importAccount(
      importDeps(),
      ref,
      { accessKeyId: second.accessKeyId, adoptSecret: second },
      actor,
    );
    expect(record).toMatchObject({ currentAccessKeyId: second.accessKeyId, secretKnown: true });
    expect(await domain.vault.read(`main/${userName.toLowerCase()}/access-key`, 'current')).toEqual(
      second,
    );
    expect(first.accessKeyId).not.toBe(second.accessKeyId);
  });

  it('imports a password account, adopting only a password the user has, and reports a missing user clearly', async () => {
    const withoutPassword = await admin.createUser('pw-none');
    await expect(
      importAccount(
        importDeps(),
        parseAccountRef(`main/${withoutPassword}/password`),
        { adoptSecret: { password: 'Adopted-Passw0rd!' } },
        actor,
      ),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/has no console password to adopt/),
    });
    expect(
      await domain.accounts.get(parseAccountRef(`main/${withoutPassword}/password`)),
    ).toBeUndefined();
    expect(
      await importAccount(
        importDeps(),
        parseAccountRef(`main/${withoutPassword}/password`),
        {},
        actor,
      ),
    ).toMatchObject({
      loginProfileAtImport: false,
      secretKnown: false,
    });

    const userName = await admin.createUser('pw');
    await admin.client.send(
      new CreateLoginProfileCommand({ UserName: userName, Password: 'Adopted-Passw0rd!' }),
    );
    const record = await importAccount(
      importDeps(),
      parseAccountRef(`main/${userName}/password`),
      { adoptSecret: { password: 'Adopted-Passw0rd!' } },
      actor,
    );
    expect(record).toMatchObject({
      kind: 'password',
      loginProfileAtImport: true,
      secretKnown: true,
      passwordSource: 'adopted',
    });
    await expect(
      importAccount(importDeps(), parseAccountRef('main/ghost-user-404/access-key'), {}, actor),
    ).rejects.toMatchObject({ code: 'user_missing' });
  });

  it('refuses to remove a provider that still manages accounts', async () => {
    await expect(domain.providers.remove('main', actor)).rejects.toMatchObject({
      code: 'provider_in_use',
    });
  });

  it('checks prerequisites: unknown where the endpoint cannot simulate, never ready by default', async () => {
    const report = await checkPrerequisites(domain.clients.gatewayFor('main'));
    if (backend.current.name === 'moto') {
      expect(report).toMatchObject({
        status: 'unknown',
        statusDetail: expect.stringMatching(/does not implement SimulatePrincipalPolicy/),
      });
    } else {
      expect(report.status).toBe('ready');
    }
  });
});

describe(`audited IAM mutations on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('records one entry per mutation with the AWS request id, failures included', async () => {
    const userName = await admin.createUser('audited');
    const gateway = createAuditedGateway(domain.clients.gatewayFor('main'), domain.audit, {
      actor: 'job:rotation/7',
      provider: 'main',
      jobId: '7',
    });
    const key = await gateway.createAccessKey(userName);
    await gateway.updateAccessKeyStatus(userName, key.accessKeyId, 'Inactive');
    await gateway.tagUser(userName, [{ key: key.accessKeyId, value: 'managed by iam-pam' }]);
    await gateway.deleteAccessKey(userName, key.accessKeyId);
    await expect(gateway.createAccessKey('no-such-user-for-audit')).rejects.toMatchObject({
      code: 'user_missing',
    });
    expect((await gateway.listAccessKeys(userName)).length).toBe(0);
    const all = (await domain.audit.list({ provider: 'main', limit: 20 }))
      .filter((e) => e.actor === 'job:rotation/7')
      .reverse();
    // Each mutation: `attempted` before the call, then the entry that settles it.
    expect(all.map((e) => [e.action, e.outcome])).toEqual(
      [
        ['CreateAccessKey', 'succeeded'],
        ['UpdateAccessKey', 'succeeded'],
        ['TagUser', 'succeeded'],
        ['DeleteAccessKey', 'succeeded'],
        ['CreateAccessKey', 'failed'],
      ].flatMap(([action, outcome]) => [
        [action, 'attempted'],
        [action, outcome],
      ]),
    );
    const entries = all.filter((e) => e.outcome !== 'attempted');
    entries.forEach((entry, n) => expect(entry.settles).toBe(all[2 * n]?.id));
    for (const entry of entries) {
      expect(entry.requestId, entry.action).toMatch(/\S{8,}/);
      expect(entry).toMatchObject({ provider: 'main', jobId: '7' });
    }
    expect(entries[0]).toMatchObject({
      keyId: key.accessKeyId,
      account: `main/${userName.toLowerCase()}/access-key`,
    });
    expect(JSON.stringify(entries)).not.toContain(key.secretAccessKey);
  });
});

describe('provider records', () => {
  it('keep a replaced provider free of a check made of its former self', async () => {
    await domain.providers.put('stale', { credential: { type: 'chain' } }, actor);
    const before = await domain.providers.require('stale');
    // The replacement must carry a later updatedAt (ms): wait for the clock to pass it.
    await waitFor(
      'the clock to pass updatedAt',
      () => (Date.now() > Date.parse(before.updatedAt) ? true : undefined),
      { intervalMs: 1 },
    );
    await domain.providers.put(
      'stale',
      { credential: { type: 'chain' }, description: 'replaced' },
      actor,
    );
    expect(
      await domain.providers.recordValidation(
        'stale',
        { status: 'ready', denied: [] },
        before.updatedAt,
      ),
    ).toBe(false);
    expect(await domain.providers.require('stale')).toMatchObject({
      status: 'unknown',
      description: 'replaced',
    });
    const now = await domain.providers.require('stale');
    expect(
      await domain.providers.recordValidation(
        'stale',
        { status: 'degraded', denied: ['iam:GetAccessKeyLastUsed'] },
        now.updatedAt,
      ),
    ).toBe(true);
    expect(await domain.providers.require('stale')).toMatchObject({ status: 'degraded' });
  });

  it('give a gateway that can be awaited and passed around like any value', async () => {
    const gateway = await Promise.resolve(domain.clients.gatewayFor('main'));
    expect((await gateway.listUsersPage({ maxItems: 1 })).users.length).toBeGreaterThanOrEqual(0);
  });
});
