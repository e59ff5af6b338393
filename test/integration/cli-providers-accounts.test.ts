/** The provider, account, secret, audit and vault commands, on a real Redis and IAM backend. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createCliRunner } from '../support/cli-in-process.ts';
import { freePort } from '../support/free-port.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { useIamBackend } from '../support/iam-backend.ts';
import { useTestRedis } from '../support/redis.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

const t = useTestRedis();
const backend = useIamBackend();
const masterKey = randomBytes(32).toString('base64');
const cli = createCliRunner({ ...t.env, IAM_PAM_MASTER_KEY: masterKey });
let admin: IamAdmin;
function policyFile(policy: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'iam-pam-policy-')), 'policy.json');
  writeFileSync(path, JSON.stringify(policy));
  return path;
}

function useChainCredentials(credentials: {
  accessKeyId: string;
  secretAccessKey: string;
}): () => void {
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  return () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  };
}
const endpointArgs = () =>
  backend.current.endpoint ? ['--endpoint', backend.current.endpoint] : [];

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  const added = await cli(
    [
      'provider',
      'add',
      'main',
      '--access-key-id',
      backend.current.credentials.accessKeyId,
      '--secret-access-key-stdin',
      '--region',
      backend.current.region,
      ...endpointArgs(),
      '--json',
    ],
    {
      stdin: `${backend.current.credentials.secretAccessKey}\n`,
    },
  );
  expect(added.code, added.stderr).toBe(0);
});

afterAll(async () => {
  await admin.cleanup();
});

describe('iam-pam provider', () => {
  it('adds a provider from a secret on stdin and never prints or stores the secret in clear', async () => {
    const shown = await cli(['provider', 'show', 'main', '--json']);
    expect(shown.code).toBe(0);
    expect(shown.json()).toMatchObject({
      id: 'main',
      status: 'unknown',
      credential: { type: 'custom', accessKeyId: backend.current.credentials.accessKeyId },
    });
    expect(shown.stdout).not.toContain(backend.current.credentials.secretAccessKey);
    const listed = await cli(['provider', 'list', '--json']);
    expect(listed.json<Array<{ id: string }>>().map((p) => p.id)).toEqual(['main']);
    expect(
      await scanForSecrets(t.redis, t.prefix, [backend.current.credentials.secretAccessKey]),
    ).toEqual([]);
  });

  it('refuses a secret on the command line, and other bad input, with exit 2 and nothing stored', async () => {
    const onCommandLine = await cli([
      'provider',
      'add',
      'leaky',
      '--access-key-id',
      'AKIAEXAMPLEEXAMPLE00',
      '--secret-access-key',
      'plain-text-secret-value-123',
    ]);
    expect(onCommandLine).toMatchObject({ code: 2, stdout: '' });
    expect(onCommandLine.stderr).toMatch(/never put a secret on the command line/);
    expect(onCommandLine.stderr).not.toContain('plain-text-secret-value-123');

    const cases: Array<[string[], RegExp]> = [
      [['provider', 'add', 'Bad_Id', '--chain'], /provider id "Bad_Id"/],
      [
        ['provider', 'add', 'x', '--chain', '--linked', 'main/u/access-key'],
        /choose one credential/,
      ],
      [
        ['provider', 'add', 'x', '--access-key-id', 'AKIAEXAMPLEEXAMPLE00'],
        /needs --secret-access-key-stdin/,
      ],
      [['provider', 'add', 'x', '--chain', '--max-rps', 'lots'], /maxRps: /],
      [
        ['provider', 'add', 'x', '--chain', '--external-id', 'abc'],
        /--external-id needs --role-arn/,
      ],
      [
        ['provider', 'add', 'x', '--chain', '--policy-file', '/nonexistent.json'],
        /--policy-file \/nonexistent\.json: cannot read it/,
      ],
      [['provider', 'show', 'nope'], /provider "nope" does not exist/],
      [['provider', 'policy', 'main', '--set', 'rotateEveryDays=-3'], /policy\.rotateEveryDays: /],
      [
        [
          'provider',
          'policy',
          'main',
          '--file',
          policyFile({ rotateEveryDays: 7 }),
          '--set',
          'rotateEveryDays=abc',
        ],
        /policy\.rotateEveryDays: /,
      ],
      [['provider', 'policy', 'main', '--set', 'bogus=1'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await cli(['provider', 'list', '--json'])).json<unknown[]>()).toHaveLength(1);
    // The refused --file/--set pair wrote nothing.
    expect((await cli(['provider', 'policy', 'main', '--json'])).json()).toMatchObject({
      rotateEveryDays: 90,
    });
  });

  it('changes single policy fields and shows the result', async () => {
    const changed = await cli([
      'provider',
      'policy',
      'main',
      '--set',
      'rotateEveryDays=30',
      '--set',
      'onOutOfSync=rotate',
      '--json',
    ]);
    expect(changed.code).toBe(0);
    expect(changed.json()).toMatchObject({
      rotateEveryDays: 30,
      onOutOfSync: 'rotate',
      heartbeatEveryMinutes: 60,
    });
  });
});

describe('iam-pam account, secret and audit', () => {
  it('imports an account with an adopted key, prints its secret once asked, and audits the read', async () => {
    const userName = await admin.createUser('Cli-User');
    const key = await admin.createAccessKey(userName);
    const account = `main/${userName}/access-key`;
    const canonical = `main/${userName.toLowerCase()}/access-key`;
    const added = await cli(['account', 'add', account, '--adopt-secret-stdin', '--json'], {
      stdin: JSON.stringify(key),
    });
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      account,
      status: 'managed',
      currentAccessKeyId: key.accessKeyId,
      secretKnown: true,
    });
    expect(added.stdout).not.toContain(key.secretAccessKey);

    const shown = await cli(['account', 'show', account, '--json']);
    expect(shown.json()).toMatchObject({
      account,
      status: 'managed',
      currentAccessKeyId: key.accessKeyId,
    });
    expect(
      (await cli(['account', 'list', '--provider', 'main', '--json'])).json<unknown[]>(),
    ).toHaveLength(1);

    const secret = await cli(['secret', account, '--json']);
    expect(secret.code).toBe(0);
    expect(secret.json()).toEqual(key);
    // Audit entries name accounts canonically: either spelling finds them all.
    const audit = await cli(['audit', '--account', canonical, '--limit', '5', '--json']);
    expect((await cli(['audit', '--account', account, '--limit', '5', '--json'])).json()).toEqual(
      audit.json(),
    );
    const entries = audit.json<Array<{ action: string; actor: string; keyId: string }>>();
    expect(entries[0]).toMatchObject({
      action: 'secret.read',
      actor: expect.stringMatching(/^cli:/),
      keyId: key.accessKeyId,
    });
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['secret.read', 'account.add', 'vault.put.current']),
    );
    const again = await cli(['account', 'add', account]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already managed/);
    expect(audit.stdout).not.toContain(key.secretAccessKey);
    expect(await scanForSecrets(t.redis, t.prefix, [key.secretAccessKey])).toEqual([]);
  });

  it('refuses bad account input with exit 2 and changes nothing', async () => {
    const userName = await admin.createUser('cli-two');
    await admin.createAccessKey(userName);
    await admin.createAccessKey(userName);
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['account', 'add', 'main/alice'], undefined, /expected <provider>\/<userName>\/<kind>/],
      [['account', 'add', 'main/alice/ssh-key'], undefined, /kind "ssh-key"/],
      [['account', 'add', 'main/bad name!/password'], undefined, /user name "bad name!"/],
      [['account', 'add', 'nope/alice/password'], undefined, /provider "nope" does not exist/],
      [
        ['account', 'add', `main/${userName}/access-key`],
        undefined,
        /has two keys .*--access-key-id/,
      ],
      [
        ['account', 'add', `main/${userName}/access-key`, '--adopt-secret-stdin'],
        'not json',
        /stdin must be JSON/,
      ],
      [
        ['account', 'add', `main/${userName}/password`, '--adopt-secret-stdin'],
        '{"password":""}',
        /adoptSecret\.password: /,
      ],
      [['audit', '--limit', 'many'], undefined, /--limit many/],
    ];
    for (const [args, stdin, message] of cases) {
      const result = await cli(args, { stdin });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(
      (await cli(['account', 'list', '--json']))
        .json<Array<{ userName: string }>>()
        .map((a) => a.userName),
    ).not.toContain(userName);
  });

  it('exits 2 for a provider, account or IAM user that does not exist, and 1 for a secret not known', async () => {
    const userName = await admin.createUser('cli-no-secret');
    await admin.createAccessKey(userName);
    const account = `main/${userName}/access-key`;
    expect((await cli(['account', 'add', account])).code).toBe(0);
    const refused = await cli(['secret', account]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^iam-pam: no secret is known for .*; to adopt it: iam-pam account remove .*--adopt-secret-stdin\n$/,
    );
    const missing: Array<[string[], RegExp]> = [
      [['provider', 'show', 'ghost'], /provider "ghost" does not exist/],
      [['provider', 'validate', 'ghost'], /provider "ghost" does not exist/],
      [['account', 'show', 'main/nobody/access-key'], /is not managed/],
      [['secret', 'main/nobody/access-key'], /is not managed/],
      [['account', 'add', 'main/no-such-iam-user/password'], /cannot be found/],
    ];
    for (const [args, message] of missing) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect((await cli(['account', 'remove', account])).code).toBe(0);
  });

  it('says what is missing: the master key (exit 2), Redis (exit 3), IAM (exit 3)', async () => {
    const managed = (await cli(['account', 'list', '--json'])).json<
      Array<{ account: string }>
    >()[0]!.account;
    const withoutKey = await cli(['secret', managed], { env: { IAM_PAM_MASTER_KEY: undefined } });
    expect(withoutKey.code).toBe(2);
    expect(withoutKey.stderr).toMatch(/^iam-pam: IAM_PAM_MASTER_KEY: missing/);
    const noRedis = await cli(['provider', 'list'], {
      env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
    });
    expect(noRedis.code).toBe(3);
    expect(noRedis.stderr).toMatch(/is unreachable .*start redis-server or set REDIS_URL/);

    const dead = `http://127.0.0.1:${await freePort()}`;
    const restore = useChainCredentials({
      accessKeyId: 'AKIAEXAMPLEEXAMPLE00',
      secretAccessKey: 'x'.repeat(40),
    });
    try {
      expect((await cli(['provider', 'add', 'dead', '--chain', '--endpoint', dead])).code).toBe(0);
      const unreachable = await cli(['account', 'add', 'dead/alice/access-key']);
      expect(unreachable.code).toBe(3);
      expect(unreachable.stderr).toMatch(/IAM endpoint unreachable/);
    } finally {
      restore();
    }
    expect((await cli(['provider', 'remove', 'dead'])).code).toBe(0);
  });

  it('keeps a provider while it manages accounts, and removes it after', async () => {
    const userName = await admin.createUser('cli-rm');
    // The default chain reads the process environment, as it does in production.
    const restore = useChainCredentials(backend.current.credentials);
    try {
      expect(
        (
          await cli([
            'provider',
            'add',
            'temp',
            '--chain',
            '--region',
            backend.current.region,
            ...endpointArgs(),
          ])
        ).code,
      ).toBe(0);
      expect((await cli(['account', 'add', `temp/${userName}/password`])).code).toBe(0);
    } finally {
      restore();
    }
    const refused = await cli(['provider', 'remove', 'temp']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/still manages 1 account/);
    expect((await cli(['account', 'remove', `temp/${userName}/password`])).code).toBe(0);
    expect((await cli(['provider', 'remove', 'temp'])).code).toBe(0);
  });

  it('rekeys the vault with the previous key set, then works with the new key alone', async () => {
    const newKey = randomBytes(32).toString('base64');
    const rekey = await cli(['vault', 'rekey', '--json'], {
      env: { IAM_PAM_MASTER_KEY: newKey, IAM_PAM_MASTER_KEY_PREVIOUS: masterKey },
    });
    expect(rekey.code, rekey.stderr).toBe(0);
    expect(rekey.json()).toMatchObject({ unreadable: [] });
    expect(rekey.json<{ reencrypted: number }>().reencrypted).toBeGreaterThan(0);
    const oldKeyNow = await cli(
      [
        'provider',
        'add',
        'again',
        '--access-key-id',
        'AKIAEXAMPLEEXAMPLE00',
        '--secret-access-key-stdin',
      ],
      { stdin: 'y'.repeat(40) },
    );
    expect(oldKeyNow.code).toBe(2);
    expect(oldKeyNow.stderr).toMatch(/IAM_PAM_MASTER_KEY: does not match the vault/);
    const listed = await cli(['account', 'list', '--json'], {
      env: { IAM_PAM_MASTER_KEY: newKey },
    });
    const [first] = listed.json<Array<{ account: string }>>();
    const secret = await cli(['secret', first!.account, '--json'], {
      env: { IAM_PAM_MASTER_KEY: newKey },
    });
    expect(secret.code, secret.stderr).toBe(0);
  });
});
