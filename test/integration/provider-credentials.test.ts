/**
 * Provider credentials that only an emulator checking keys can prove: AssumeRole with an
 * ExternalId, a linked provider switching to a newly promoted key without a restart (seen in the
 * request log), and prerequisites reported action by action for a partial allow-list.
 */
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseAccountRef } from '../../src/accounts/account-ref.ts';
import { removeAccount } from '../../src/accounts/account-actions.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { checkPrerequisites, REQUIRED_ACTIONS } from '../../src/providers/prerequisites.ts';
import { createTestDomain, custom } from '../support/domain.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const backend = useIamBackend();
const domain = createTestDomain(t);
let admin: IamAdmin;
const actor = 'test';
const noKeyChecks = unsupportedOn({
  moto: 'moto accepts any key and runs no trust or permission checks',
});
const endpoints = () => (backend.current.endpoint ? { iam: backend.current.endpoint } : undefined);

beforeAll(() => {
  admin = createIamAdmin(backend.current);
});

afterAll(async () => {
  await admin.cleanup();
});

describe('provider credentials', () => {
  it.skipIf(noKeyChecks.skip)(
    `reaches IAM through AssumeRole with an ExternalId${noKeyChecks.label}`,
    async () => {
      const base = await admin.createPrincipal('assumer', [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      ]);
      const role = await admin.createRole(
        'pam-role',
        [
          {
            Effect: 'Allow',
            Principal: { AWS: base.arn },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'ext-4242' } },
          },
        ],
        [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
      );
      const baseCredential = custom(base.credentials);
      await domain.providers.put(
        'cross',
        {
          region: backend.current.region,
          endpoints: endpoints(),
          credential: baseCredential,
          assumeRole: { roleArn: role.arn, externalId: 'ext-4242' },
        },
        actor,
      );
      const gateway = domain.clients.gatewayFor('cross');
      expect((await gateway.getCallerIdentity()).arn).toMatch(
        new RegExp(`:assumed-role/${role.roleName}/iam-pam$`),
      );
      expect((await gateway.listUsersPage({ maxItems: 5 })).users.length).toBeGreaterThan(0);
      await expect(gateway.getUser()).rejects.toMatchObject({ code: 'iam_rejected_input' });

      await domain.providers.put(
        'cross-wrong',
        {
          region: backend.current.region,
          endpoints: endpoints(),
          credential: baseCredential,
          assumeRole: { roleArn: role.arn, externalId: 'not-the-id' },
        },
        actor,
      );
      await expect(
        domain.clients.gatewayFor('cross-wrong').listUsersPage({}),
      ).rejects.toMatchObject({
        code: 'permission_denied',
        message: expect.stringMatching(/^AssumeRole: AccessDenied/),
      });
    },
  );

  /**
   * A provider `self<suffix>` linked to the adopted key of a new all-powerful principal, which
   * the provider `boot<suffix>` (the backend's admin) imported.
   */
  async function linkedProvider(suffix: string, principal: string) {
    const svc = await admin.createPrincipal(principal, [
      { Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' },
    ]);
    const boot = `boot${suffix}`;
    await domain.providers.put(
      boot,
      {
        region: backend.current.region,
        endpoints: endpoints(),
        credential: custom(backend.current.credentials),
      },
      actor,
    );
    await importAccount(
      { ...domain, gatewayFor: domain.clients.gatewayFor, verifierFor: domain.clients.verifierFor },
      parseAccountRef(`${boot}/${svc.userName}/access-key`),
      { adoptSecret: svc.credentials },
      actor,
    );
    await domain.providers.put(
      `self${suffix}`,
      {
        region: backend.current.region,
        endpoints: endpoints(),
        credential: { type: 'linked', account: `${boot}/${svc.userName}/access-key` },
      },
      actor,
    );
    return svc;
  }

  it.skipIf(noKeyChecks.skip)(
    `switches a linked provider to its newly promoted key without a restart${noKeyChecks.label}`,
    async () => {
      const sandbox = backend.current.sandbox!;
      const svc = await linkedProvider('', 'pam-svc');

      const gateway = domain.clients.gatewayFor('self');
      const signedBy = async () => {
        const since = sandbox.requests().at(-1)?.seq ?? 0;
        await gateway.listUsersPage({ maxItems: 1 });
        return sandbox.requests(since).find((r) => r.action === 'ListUsers')?.accessKeyId;
      };
      expect(await signedBy()).toBe(svc.credentials.accessKeyId);

      const next = await admin.createAccessKey(svc.userName);
      const owner = `boot/${svc.userName.toLowerCase()}/access-key`;
      await domain.vault.put(owner, 'pending', next, { actor });
      expect(await signedBy()).toBe(svc.credentials.accessKeyId);
      await domain.vault.promote(owner, { actor });
      expect(await signedBy()).toBe(next.accessKeyId);
    },
  );

  it.skipIf(noKeyChecks.skip)(
    `keeps in-flight calls on the old key when a linked provider switches keys${noKeyChecks.label}`,
    async () => {
      const sandbox = backend.current.sandbox!;
      const svc = await linkedProvider('2', 'pam-svc2');
      const victim = await admin.createUser('victim');
      const gateway = domain.clients.gatewayFor('self2');
      await gateway.listUsersPage({ maxItems: 1 });

      const since = sandbox.requests().at(-1)?.seq ?? 0;
      sandbox.faults.set({ holdAfter: [{ action: 'CreateAccessKey', times: 1 }] });
      const creating = gateway.createAccessKey(victim);
      // The request is in flight (the sandbox holds its answer): switch the key meanwhile.
      const held = await sandbox.waitForRequest(
        (r) => r.action === 'CreateAccessKey' && r.held === true,
        { since },
      );
      const next = await admin.createAccessKey(svc.userName);
      const owner = `boot2/${svc.userName.toLowerCase()}/access-key`;
      await domain.vault.put(owner, 'pending', next, { actor });
      await domain.vault.promote(owner, { actor });
      await gateway.listUsersPage({ maxItems: 1 });
      expect(sandbox.release(held.seq)).toBe(true);
      const created = await creating;
      sandbox.faults.reset();
      expect(
        sandbox
          .requests(since)
          .filter((r) => r.action === 'CreateAccessKey' && r.params.UserName === victim),
      ).toHaveLength(1);
      const keys = await admin.client.send(new ListAccessKeysCommand({ UserName: victim }));
      expect(keys.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([created.accessKeyId]);

      // While a provider signs with that account, the account cannot be removed.
      const ref = parseAccountRef(`boot2/${svc.userName}/access-key`);
      await expect(removeAccount(domain, ref, actor)).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/provider "self2" signs with/),
      });
    },
    30_000,
  );

  it('refuses to link a provider to an account whose secret is unknown', async () => {
    const userName = await admin.createUser('unknown-secret');
    await admin.createAccessKey(userName);
    await domain.providers.put(
      'boot3',
      {
        region: backend.current.region,
        endpoints: endpoints(),
        credential: custom(backend.current.credentials),
      },
      actor,
    );
    await importAccount(
      { ...domain, gatewayFor: domain.clients.gatewayFor, verifierFor: domain.clients.verifierFor },
      parseAccountRef(`boot3/${userName}/access-key`),
      {},
      actor,
    );
    await expect(
      domain.providers.put(
        'self3',
        {
          region: backend.current.region,
          endpoints: endpoints(),
          credential: { type: 'linked', account: `boot3/${userName}/access-key` },
        },
        actor,
      ),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/secret of .* is unknown/),
    });
  });

  it.skipIf(noKeyChecks.skip)(
    `names exactly the actions a partial allow-list misses${noKeyChecks.label}`,
    async () => {
      const allowed = REQUIRED_ACTIONS.filter(
        (a) => a !== 'iam:TagUser' && a !== 'iam:DeleteAccessKey',
      );
      const limited = await admin.createPrincipal('limited', [
        { Effect: 'Allow', Action: [...allowed, 'iam:GetAccountPasswordPolicy'], Resource: '*' },
        { Effect: 'Deny', Action: 'iam:DeleteAccessKey', Resource: '*' },
      ]);
      await domain.providers.put(
        'limited',
        {
          region: backend.current.region,
          endpoints: endpoints(),
          credential: custom(limited.credentials),
        },
        actor,
      );
      const report = await checkPrerequisites(domain.clients.gatewayFor('limited'));
      expect(report).toMatchObject({ status: 'missing_permissions', principalArn: limited.arn });
      expect(report.denied.sort()).toEqual([
        'iam:DeleteAccessKey',
        'iam:GetAccessKeyLastUsed',
        'iam:TagUser',
      ]);
      expect(report.statusDetail).toBe(
        'missing iam:DeleteAccessKey, iam:TagUser: attach the policy shown',
      );

      const optionalOnly = await admin.createPrincipal('almost', [
        { Effect: 'Allow', Action: [...REQUIRED_ACTIONS], Resource: '*' },
      ]);
      await domain.providers.put(
        'almost',
        {
          region: backend.current.region,
          endpoints: endpoints(),
          credential: custom(optionalOnly.credentials),
        },
        actor,
      );
      expect(await checkPrerequisites(domain.clients.gatewayFor('almost'))).toMatchObject({
        status: 'degraded',
        denied: ['iam:GetAccountPasswordPolicy', 'iam:GetAccessKeyLastUsed'],
      });
    },
  );
});
