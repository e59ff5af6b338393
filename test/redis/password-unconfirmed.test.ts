/**
 * The password rotation's `unconfirmed` rule (DESIGN.md "Rotation, step by step" → Password) on
 * the real vault and journal, with a scripted IAM (the sandbox cannot refuse a fresh compliant
 * password twice): a PasswordPolicyViolation keeps the refused password as `unconfirmed` and
 * sends one fresh password generated against the policy re-read from AWS; a second refusal fails
 * for good with AWS's message and both passwords kept; a run killed between keeping the refused
 * one and storing its replacement resumes by generating it. A denied action refuses before any
 * IAM call.
 */
import { describe, expect, it } from 'vitest';

import type { AccountRef } from '../../src/accounts/account-ref.ts';
import { PermanentError } from '../../src/errors.ts';
import { NO_FAILPOINTS } from '../../src/failpoints.ts';
import type { IamGateway } from '../../src/iam/iam-gateway.ts';
import { createLogger } from '../../src/logger.ts';
import { createPasswordKind } from '../../src/jobs/rotate/password/kind.ts';
import type { RotationPorts } from '../../src/jobs/rotate/rotation-kind.ts';
import { abandonRotation, runRotation } from '../../src/jobs/rotate/step-runner.ts';
import { DEFAULT_LIFECYCLE_POLICY } from '../../src/providers/lifecycle-policy.ts';
import { createUserLeases } from '../../src/queue/user-lease.ts';
import type { SecretStore } from '../../src/vault/secret-store.ts';
import { createTestDomain } from '../support/domain.ts';
import { useTestRedis } from '../support/redis.ts';
import { scanForSecrets } from '../support/secret-scan.ts';

const t = useTestRedis();
const domain = createTestDomain(t);
const leases = createUserLeases({
  redis: t.redis,
  keys: domain.keys,
  ttlMs: 60_000,
  waitForReplicas: async () => undefined,
});
const REFUSAL = 'Password should have at least one symbol [scripted]';
const seen: string[] = [];

/** IAM with a login profile whose updates `refuse` decides; every call and password kept. */
function scriptedIam(refuse: (attempt: number) => boolean) {
  const calls: string[] = [];
  const sent: string[] = [];
  const iam = {
    getLoginProfile: async () => {
      calls.push('GetLoginProfile');
      return { userName: 'u', createdAt: undefined, passwordResetRequired: false };
    },
    getAccountPasswordPolicy: async () => {
      calls.push('GetAccountPasswordPolicy');
      return undefined;
    },
    updateLoginProfile: async (_user: string, password: string) => {
      calls.push('UpdateLoginProfile');
      sent.push(password);
      seen.push(password);
      if (refuse(sent.length)) {
        throw new PermanentError('password_policy_violation', REFUSAL);
      }
      return { requestId: `req-${sent.length}` };
    },
  } as unknown as IamGateway;
  return { iam, calls, sent };
}

async function setUp(userName: string, denied: string[] = []) {
  const account: AccountRef = { provider: 'prod', userName, kind: 'password' };
  const owner = `prod/${userName}/password`;
  const now = new Date().toISOString();
  await domain.accounts.create({
    ...account,
    account: owner,
    status: 'managed',
    userId: 'U1',
    secretKnown: false,
    importedAt: now,
    updatedAt: now,
  });
  const got = await leases.acquire(account);
  if (!got.acquired) throw new Error('leased');
  const fence = { user: account, fencingToken: got.token, value: got.value };
  const kind = createPasswordKind({
    accounts: domain.accounts,
    providerOf: async () => ({ policy: DEFAULT_LIFECYCLE_POLICY, denied }),
  });
  const portsOf = (iam: IamGateway, vault: SecretStore = domain.vault): RotationPorts => ({
    iam,
    verifier: {} as never,
    vault,
    vaultWrite: { actor: 'test', fence, jobId: 'j1' },
    now: () => new Date(),
    log: createLogger({ level: 'silent', stream: 'stderr' }),
    signal: new AbortController().signal,
  });
  const writer = { fence, actor: 'test', jobId: 'j1' };
  /** `stopAfter`: the run stops (throws) right after that step is journaled, as a crash would. */
  const run = (iam: IamGateway, vault: SecretStore = domain.vault, stopAfter?: string) => {
    const ports = portsOf(iam, vault);
    return runRotation(kind, {
      account,
      reason: 'test',
      jobId: 'j1',
      journals: domain.journals,
      writer,
      ports,
      failpoints:
        stopAfter === undefined
          ? NO_FAILPOINTS
          : {
              hit: (name) => {
                if (name === `rotation:after-${stopAfter}`) throw new Error(`stopped at ${name}`);
              },
            },
      emit: async () => '',
      progress: async () => undefined,
      attachState: () => undefined,
      newRotationId: () => `r-${userName}`,
    });
  };
  const abandon = (iam: IamGateway) =>
    abandonRotation(kind, {
      account,
      journals: domain.journals,
      writer,
      ports: portsOf(iam),
      emit: async () => '',
    });
  return { account, owner, run, abandon };
}

describe('the unconfirmed rule', () => {
  it('a second refusal fails for good with AWS’s message; both passwords kept, neither quoted', async () => {
    const { account, owner, run } = await setUp('twice');
    const { iam, calls, sent } = scriptedIam(() => true);
    const failure = (await run(iam).catch((err: unknown) => err)) as PermanentError;
    expect(failure).toMatchObject({ code: 'password_policy_violation' });
    expect(failure.message).toContain(REFUSAL);
    expect(failure.message).toMatch(/both are kept/);
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toBe(sent[1]);
    for (const password of sent) {
      expect(failure.message).not.toContain(password);
    }
    // The policy was read at plan and read again before the fresh password was generated.
    expect(calls).toEqual([
      'GetLoginProfile',
      'GetAccountPasswordPolicy',
      'UpdateLoginProfile',
      'GetAccountPasswordPolicy',
      'UpdateLoginProfile',
    ]);
    expect(await domain.vault.read(owner, 'unconfirmed')).toEqual({ password: sent[0] });
    expect(await domain.vault.read(owner, 'pending')).toEqual({ password: sent[1] });
    const journal = await domain.journals.read(account);
    expect(journal?.step).toBe('apply_sent');
    const stored = journal?.steps.find((s) => s.step === 'store_pending')?.record;
    expect(stored?.pendingVersionId).toBe(await domain.vault.versionIdAt(owner, 'unconfirmed'));
  });

  it('killed between keeping the refused password and storing its replacement: the resumed run generates it, applies it, and promotes it', async () => {
    const { account, owner, run } = await setUp('resumed');
    const { iam, sent } = scriptedIam((attempt) => attempt === 1);
    let failedPut = false;
    // The one vault.put of a rotation is the replacement's (store_pending writes in the journal's script).
    const dying = new Proxy(domain.vault, {
      get(target, prop, receiver) {
        if (prop === 'put' && !failedPut) {
          return async () => {
            failedPut = true;
            throw new Error('the worker died here');
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    await expect(run(iam, dying)).rejects.toThrow(/died here/);
    const original = await domain.vault.versionIdAt(owner, 'unconfirmed');
    expect(original).toEqual(expect.any(String));
    expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
    const result = await run(iam);
    expect(result).toMatchObject({ loginProfile: 'updated', unconfirmedVersionId: original });
    expect(sent).toHaveLength(2);
    expect(await domain.vault.read(owner, 'current')).toEqual({ password: sent[1] });
    expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBeUndefined();
    expect(await domain.journals.read(account)).toBeUndefined();
    expect(await domain.accounts.require(account)).toMatchObject({
      secretKnown: true,
      passwordSource: 'set_by_us',
    });
  });

  it('abandon forgets a pending password never sent; from apply_sent on it keeps it as unconfirmed', async () => {
    for (const [userName, stopAfter, kept] of [
      ['unsent', 'store_pending', false],
      ['sent', 'apply_sent', true],
    ] as const) {
      const { account, owner, run, abandon } = await setUp(userName);
      const { iam, calls } = scriptedIam(() => false);
      await expect(run(iam, domain.vault, stopAfter)).rejects.toThrow(/stopped at/);
      const pending = await domain.vault.versionIdAt(owner, 'pending');
      expect(pending).toEqual(expect.any(String));
      const abandoned = await abandon(iam);
      expect(abandoned).toMatchObject({ step: stopAfter });
      expect(abandoned?.unconfirmedVersionId).toBe(kept ? pending : undefined);
      expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
      expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBe(kept ? pending : undefined);
      expect(await domain.journals.read(account)).toBeUndefined();
      expect(calls).not.toContain('UpdateLoginProfile');
    }
  });

  it('an action the last validation found denied refuses before any IAM call; nothing stored', async () => {
    const { owner, run } = await setUp('denied', ['iam:UpdateLoginProfile']);
    const { iam, calls } = scriptedIam(() => false);
    await expect(run(iam)).rejects.toMatchObject({
      code: 'permission_denied',
      message: expect.stringMatching(
        /iam:UpdateLoginProfile denied, which a password rotation needs/,
      ),
    });
    expect(calls).toEqual([]);
    expect(await domain.vault.versions(owner)).toEqual([]);
  });

  it('leaves no password in Redis in plain text', async () => {
    expect(seen.length).toBeGreaterThan(3);
    expect(await scanForSecrets(t.redis, t.prefix, seen)).toEqual([]);
  });
});
