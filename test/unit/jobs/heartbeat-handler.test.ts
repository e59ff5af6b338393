/**
 * The heartbeat handler with fakes: each verdict from the state that causes it, the calls it
 * costs, what it records and emits, and which verdicts ask for a rotation (only with
 * `onOutOfSync: rotate`). The same verdicts against the sandbox: test/integration/heartbeat.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';

import type { AccountRef } from '../../../src/accounts/account-ref.ts';
import type { AccountRecord } from '../../../src/accounts/account-store.ts';
import { PermanentError, TransientError } from '../../../src/errors.ts';
import { createHeartbeatHandler } from '../../../src/jobs/heartbeat/handler.ts';
import { VERDICTS, type Verdict } from '../../../src/jobs/heartbeat/verdicts.ts';
import { DEFAULT_LIFECYCLE_POLICY } from '../../../src/providers/lifecycle-policy.ts';
import type { SecretValue, VersionInfo } from '../../../src/vault/secret-store.ts';
import { createFakeContext } from './fake-context.ts';
import { createFakeIam } from './fake-iam.ts';

type Kind = 'access-key' | 'password';

function setup(options: { onOutOfSync?: 'alert' | 'rotate'; kind?: Kind } = {}) {
  const iam = createFakeIam();
  const kind = options.kind ?? 'access-key';
  const user = iam.addUser('Alice');
  const key = iam.addKey(user);
  const owner = `prod/alice/${kind}`;
  const stages = new Map<string, SecretValue>();
  const account: AccountRecord = {
    account: `prod/Alice/${kind}`,
    provider: 'prod',
    userName: 'Alice',
    kind,
    status: 'managed',
    userId: user.userId,
    currentAccessKeyId: kind === 'access-key' ? key.accessKeyId : undefined,
    secretKnown: true,
    importedAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
  };
  if (kind === 'access-key') {
    stages.set('current', { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
  } else {
    user.loginProfile = true;
    account.passwordSource = 'set_by_us';
    stages.set('current', { password: 'Pw-1-not-checked-anyway' });
  }
  const records = new Map([[owner, account]]);
  const open = { rotation: undefined as { rotationId: string; step: string } | undefined };
  const requestRotation = vi.fn(async (_account: AccountRef, _reason: string) => ({
    queue: 'rotation' as const,
    jobId: 'r-1',
  }));
  const handler = createHeartbeatHandler({
    accounts: {
      async require(ref) {
        const found = records.get(`${ref.provider}/${ref.userName.toLowerCase()}/${ref.kind}`);
        if (found === undefined) {
          throw new PermanentError('not_found', 'not managed');
        }
        return found;
      },
      async update(ref, change) {
        const current = await this.require(ref);
        Object.assign(current, change);
        return current;
      },
    },
    providers: {
      require: async () =>
        ({
          policy: { ...DEFAULT_LIFECYCLE_POLICY, onOutOfSync: options.onOutOfSync ?? 'alert' },
        }) as never,
    },
    vault: {
      read: async (o, stage) => (o === owner ? stages.get(stage) : undefined),
      versionIdAt: async (o, stage) =>
        o === owner && stages.has(stage) ? `v-${stage}` : undefined,
      versions: async (o) =>
        o !== owner
          ? []
          : [...stages].map(([stage, value]): VersionInfo => ({
              versionId: `v-${stage}`,
              stages: [stage as VersionInfo['stages'][number]],
              kind,
              accessKeyId: 'accessKeyId' in value ? value.accessKeyId : undefined,
              createdAt: '2024-01-01T00:00:00Z',
              masterKeyId: 'k',
            })),
    },
    gatewayFor: () => iam.gateway,
    verifierFor: () => iam.verifier,
    openRotation: async () => open.rotation,
    requestRotation,
  });
  const run = async () => {
    const { ctx, events } = createFakeContext();
    const result = (await handler({ provider: 'prod', userName: 'alice', kind }, ctx)) as {
      verdict: Verdict;
      detail: string;
    };
    return { result, events };
  };
  return { iam, user, key, account, stages, open, requestRotation, run };
}

type Setup = ReturnType<typeof setup>;

/** Each verdict of an access-key account, from the state that causes it. */
const ACCESS_KEY_CAUSES: Array<[Verdict, (s: Setup) => void]> = [
  ['in_sync', () => undefined],
  [
    'secret_invalid',
    (s) => s.stages.set('current', { accessKeyId: s.key.accessKeyId, secretAccessKey: 'wrong' }),
  ],
  ['secret_unknown', (s) => s.stages.delete('current')],
  ['key_inactive', (s) => (s.key.status = 'Inactive')],
  ['key_missing', (s) => (s.user.keys = [])],
  ['foreign_key_present', (s) => s.iam.addKey(s.user, 'Inactive')],
  ['user_missing', (s) => s.iam.users.clear()],
  [
    'user_recreated',
    (s) => {
      s.iam.users.clear();
      s.iam.addUser('Alice');
    },
  ],
  [
    'provider_denied',
    (s) => {
      s.user.keys = [];
      s.iam.failNext(
        'getUser',
        new PermanentError('permission_denied', 'AccessDenied', { detail: { action: 'GetUser' } }),
      );
    },
  ],
  ['rotation_in_progress', (s) => (s.open.rotation = { rotationId: 'rot-1', step: 'verify' })],
];

const PASSWORD_CAUSES: Array<[Verdict, (s: Setup) => void]> = [
  ['in_sync', () => undefined],
  ['login_profile_missing', (s) => (s.user.loginProfile = false)],
  ['secret_unknown', (s) => s.stages.delete('current')],
  ['user_missing', (s) => s.iam.users.clear()],
];

const ROTATED: Verdict[] = [
  'secret_invalid',
  'secret_unknown',
  'key_inactive',
  'key_missing',
  'login_profile_missing',
];

describe('heartbeat handler', () => {
  it.each(ACCESS_KEY_CAUSES)(
    'access key: says %s when its cause is set up',
    async (verdict, cause) => {
      const s = setup();
      cause(s);
      const { result } = await s.run();
      expect(result.verdict).toBe(verdict);
      expect(result.detail).not.toContain(s.key.secretAccessKey);
      expect(s.account.lastHeartbeat).toMatchObject({ verdict });
    },
  );

  it.each(PASSWORD_CAUSES)('password: says %s when its cause is set up', async (verdict, cause) => {
    const s = setup({ kind: 'password' });
    cause(s);
    const { result } = await s.run();
    expect(result.verdict).toBe(verdict);
  });

  it('covers every verdict of DESIGN.md with a cause', () => {
    const covered = new Set([...ACCESS_KEY_CAUSES, ...PASSWORD_CAUSES].map(([v]) => v));
    expect([...covered].sort()).toEqual([...VERDICTS].sort());
  });

  it('proves an in-sync key with one STS call and one IAM call', async () => {
    const s = setup();
    await s.run();
    expect(s.iam.calls).toEqual(['verify', 'listAccessKeys']);
  });

  it('counts the vault’s previous key (overlap or grace) as ours, not foreign', async () => {
    const s = setup();
    const old = s.iam.addKey(s.user, 'Inactive');
    s.stages.set('previous', {
      accessKeyId: old.accessKeyId,
      secretAccessKey: old.secretAccessKey,
    });
    expect((await s.run()).result.verdict).toBe('in_sync');
  });

  it('reads nothing in AWS while a rotation is open', async () => {
    const s = setup();
    s.open.rotation = { rotationId: 'rot-1', step: 'create_sent' };
    const { result, events } = await s.run();
    expect(result).toMatchObject({ verdict: 'rotation_in_progress' });
    expect(s.iam.calls).toEqual([]);
    expect(events).toEqual([]);
    expect(s.account.status).toBe('rotating');
  });

  it('says plainly that a password cannot be verified', async () => {
    const s = setup({ kind: 'password' });
    s.account.passwordSource = 'adopted';
    const { result } = await s.run();
    expect(result.verdict).toBe('in_sync');
    expect(result.detail).toMatch(/adopted/);
    expect(result.detail).toMatch(/cannot verify a password/);
  });

  it('gives no verdict when a read is throttled: the error goes on, nothing is recorded', async () => {
    const s = setup();
    s.user.keys = [];
    s.iam.failNext(
      'listAccessKeys',
      new TransientError('iam_throttled', 'Throttling: Rate exceeded'),
    );
    await expect(s.run()).rejects.toMatchObject({ code: 'iam_throttled' });
    expect(s.account.lastHeartbeat).toBeUndefined();
    // The retry reads again and only then says what is true.
    expect((await s.run()).result.verdict).toBe('key_missing');
  });

  it('emits heartbeat.verdict and marks the account needs_attention when out of sync', async () => {
    const s = setup();
    s.key.status = 'Inactive';
    const { events } = await s.run();
    expect(events).toEqual([
      expect.objectContaining({
        type: 'heartbeat.verdict',
        account: 'prod/Alice/access-key',
        detail: expect.objectContaining({ verdict: 'key_inactive' }),
      }),
    ]);
    expect(s.account.status).toBe('needs_attention');
    s.key.status = 'Active';
    expect((await s.run()).events).toEqual([]);
    expect(s.account.status).toBe('managed');
  });

  const all: Array<[Kind, Verdict, (s: Setup) => void]> = [
    ...ACCESS_KEY_CAUSES.map(([v, c]): [Kind, Verdict, (s: Setup) => void] => ['access-key', v, c]),
    ...PASSWORD_CAUSES.map(([v, c]): [Kind, Verdict, (s: Setup) => void] => ['password', v, c]),
  ];
  it.each(all)(
    '%s %s: asks for a rotation only where one fixes it, and only with onOutOfSync=rotate',
    async (kind, verdict, cause) => {
      for (const onOutOfSync of ['alert', 'rotate'] as const) {
        const s = setup({ kind, onOutOfSync });
        cause(s);
        const { result, events } = await s.run();
        const expected = onOutOfSync === 'rotate' && ROTATED.includes(verdict);
        expect(s.requestRotation.mock.calls).toEqual(
          expected ? [[{ provider: 'prod', userName: 'alice', kind }, `heartbeat:${verdict}`]] : [],
        );
        expect('rotation' in result).toBe(expected);
        if (expected) {
          expect(events[0]?.detail).toMatchObject({
            rotation: { queue: 'rotation', jobId: 'r-1' },
          });
        }
      }
    },
  );
});
