/**
 * The password rotation's `unconfirmed` rule (DESIGN.md "Rotation, step by step" → Password) on
 * the real vault and journal, with a scripted IAM (the sandbox cannot refuse a fresh compliant
 * password twice): a PasswordPolicyViolation keeps the refused password as `unconfirmed` and
 * sends one fresh password generated against the policy re-read from AWS; a second refusal fails
 * for good with AWS's message, dropping the fresh password when AWS refused it at its only send
 * (abandon then keeps the first) and keeping both when it may have reached AWS (abandon refused,
 * a replay settles it); a run killed between keeping the refused
 * one and storing its replacement resumes by generating it. When an earlier, abandoned rotation
 * left a password `unconfirmed`, a later rotation's first refusal keeps it: the refused password
 * is dropped when AWS refused it at its only send, in this run, else the job fails
 * `needs_decision` with nothing changed; a successful apply then forgets the older one. A denied
 * action refuses before any IAM call.
 */
import { describe, expect, it } from 'vitest';

import type { AccountRef } from '../../src/accounts/account-ref.ts';
import { PermanentError, TransientError } from '../../src/errors.ts';
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

/**
 * How IAM answers the n-th UpdateLoginProfile: `refused` at the SDK's first attempt,
 * `refused-resent` after the SDK re-sent it (an answer lost, as the SDK reports in
 * `$metadata.attempts`), `lost` (no answer: the job retries later), or `ok`.
 */
type Answer = 'ok' | 'refused' | 'refused-resent' | 'lost';

/** IAM with a login profile whose updates `answer` decides; every call and password kept. */
function scriptedIam(answer: (attempt: number) => Answer) {
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
      const answered = answer(sent.length);
      if (answered === 'lost') {
        throw new TransientError('iam_unreachable', 'UpdateLoginProfile: no answer [scripted]');
      }
      if (answered !== 'ok') {
        throw new PermanentError('password_policy_violation', REFUSAL, {
          detail: { attempts: answered === 'refused' ? 1 : 2 },
        });
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
  let rotations = 0;
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
      newRotationId: () => `r-${userName}-${(rotations += 1)}`,
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
  it('a second refusal fails for good with AWS’s message; the fresh password, refused at its only send, is dropped; abandon keeps the first as unconfirmed', async () => {
    const { account, owner, run, abandon } = await setUp('twice');
    const { iam, calls, sent } = scriptedIam(() => 'refused');
    const failure = (await run(iam).catch((err: unknown) => err)) as PermanentError;
    expect(failure).toMatchObject({ code: 'password_policy_violation' });
    expect(failure.message).toContain(REFUSAL);
    expect(failure.message).toMatch(
      /the first is kept .* as unconfirmed .* refused at its only send and is dropped/,
    );
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
    expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
    const journal = await domain.journals.read(account);
    expect(journal?.step).toBe('apply_sent');
    const stored = journal?.steps.find((s) => s.step === 'store_pending')?.record;
    const original = await domain.vault.versionIdAt(owner, 'unconfirmed');
    expect(stored?.pendingVersionId).toBe(original);

    // Abandon keeps the original, the one AWS may hold (the defect: it was replaced).
    const abandoned = await abandon(iam);
    expect(abandoned).toMatchObject({ step: 'apply_sent', unconfirmedVersionId: original });
    expect(await domain.vault.read(owner, 'unconfirmed')).toEqual({ password: sent[0] });
    expect(await domain.journals.read(account)).toBeUndefined();
    expect(sent).toHaveLength(2);
  });

  it('the fresh password may have reached AWS (re-sent by the SDK, or sent by an earlier run) and is refused: both kept, abandon refused with nothing changed, a replay settles it', async () => {
    const cases: [string, Answer[]][] = [
      // The SDK re-sent it after a lost answer; the re-send was refused as reused.
      ['resent', ['refused', 'refused-resent']],
      // Its first send's answer was lost; the next run's re-apply was refused.
      ['lost', ['refused', 'lost', 'refused']],
    ];
    for (const [userName, answers] of cases) {
      const { account, owner, run, abandon } = await setUp(userName);
      const { iam, sent } = scriptedIam((attempt) => answers[attempt - 1] ?? 'ok');
      if (answers.includes('lost')) {
        await expect(run(iam)).rejects.toMatchObject({ code: 'iam_unreachable' });
      }
      const failure = (await run(iam).catch((err: unknown) => err)) as PermanentError;
      expect(failure, userName).toMatchObject({ code: 'password_policy_violation' });
      expect(failure.message).toMatch(/both are kept/);
      expect(sent).toHaveLength(answers.length);
      const held = {
        unconfirmed: await domain.vault.versionIdAt(owner, 'unconfirmed'),
        pending: await domain.vault.versionIdAt(owner, 'pending'),
      };
      expect(await domain.vault.read(owner, 'unconfirmed')).toEqual({ password: sent[0] });
      expect(await domain.vault.read(owner, 'pending')).toEqual({ password: sent.at(-1) });

      const refused = (await abandon(iam).catch((err: unknown) => err)) as PermanentError;
      expect(refused, userName).toMatchObject({
        code: 'needs_decision',
        detail: { unconfirmedVersionId: held.unconfirmed, pendingVersionId: held.pending },
      });
      expect(refused.message).toMatch(/would drop a password AWS may hold.*replay its job/);
      expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBe(held.unconfirmed);
      expect(await domain.vault.versionIdAt(owner, 'pending')).toBe(held.pending);
      expect(await domain.journals.read(account)).toMatchObject({ step: 'apply_sent' });

      // The operator's way out: the replay re-applies the pending one; once AWS takes it, it is
      // current and the unconfirmed one forgotten.
      const replayed = scriptedIam(() => 'ok');
      expect(await run(replayed.iam)).toMatchObject({ vaultVersionId: held.pending });
      expect(replayed.sent).toEqual([sent.at(-1)]);
      expect(await domain.vault.versionIdAt(owner, 'current')).toBe(held.pending);
      expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBeUndefined();
    }
  });

  it('an earlier abandoned rotation left a password unconfirmed; the later rotation’s first password, refused at its only send, is dropped and the older one kept; a successful apply forgets it', async () => {
    const { account, owner, run, abandon } = await setUp('older');
    // P1: its answer lost, the rotation abandoned. P2 refused, then the fresh P3 refused (each
    // at its only send, the SDK's first attempt); after that IAM takes what it gets.
    const answers: Answer[] = ['lost', 'refused', 'refused'];
    const { iam, sent } = scriptedIam((attempt) => answers[attempt - 1] ?? 'ok');
    await expect(run(iam)).rejects.toMatchObject({ code: 'iam_unreachable' });
    const older = (await abandon(iam))?.unconfirmedVersionId;
    expect(older).toEqual(expect.any(String));

    const failure = (await run(iam).catch((err: unknown) => err)) as PermanentError;
    expect(failure).toMatchObject({
      code: 'password_policy_violation',
      detail: { unconfirmedVersionId: older },
    });
    expect(failure.message).toMatch(
      /the one an earlier, abandoned rotation left \(version [^)]*\) is kept in the vault as unconfirmed/,
    );
    expect(new Set(sent).size).toBe(3);
    // The defect: P2 was moved to `unconfirmed`, replacing P1, which AWS may hold.
    expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBe(older);
    expect(await domain.vault.read(owner, 'unconfirmed')).toEqual({ password: sent[0] });
    expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
    expect(await domain.journals.read(account)).toMatchObject({ step: 'apply_sent' });

    // The replay generates another fresh password; AWS takes it, so it now holds that one and
    // not P1: P1 is forgotten.
    expect(await run(iam)).toMatchObject({ unconfirmedVersionId: older });
    expect(sent).toHaveLength(4);
    expect(await domain.vault.read(owner, 'current')).toEqual({ password: sent[3] });
    expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBeUndefined();
    const [closed] = await domain.journals.history(account, 1);
    expect(closed?.steps.find((s) => s.step === 'promote')?.record).toMatchObject({
      forgotUnconfirmedVersionId: older,
    });
  });

  it('an earlier abandoned rotation left a password unconfirmed and the later rotation’s refused password may have reached AWS: needs_decision naming both, nothing changed, abandon refused, a replay settles it', async () => {
    const cases: [string, Answer[]][] = [
      // P1 lost and abandoned; P2 re-sent by the SDK after a lost answer, then refused.
      ['older-resent', ['lost', 'refused-resent']],
      // P1 lost and abandoned; P2's answer lost, the next run's re-apply refused.
      ['older-lost', ['lost', 'lost', 'refused']],
    ];
    for (const [userName, answers] of cases) {
      const { account, owner, run, abandon } = await setUp(userName);
      const { iam, calls, sent } = scriptedIam((attempt) => answers[attempt - 1] ?? 'ok');
      await expect(run(iam)).rejects.toMatchObject({ code: 'iam_unreachable' });
      const older = (await abandon(iam))?.unconfirmedVersionId;
      if (answers.lastIndexOf('lost') > 0) {
        // The later rotation's P2: its first send's answer lost, the job retries.
        await expect(run(iam)).rejects.toMatchObject({ code: 'iam_unreachable' });
      }
      const failure = (await run(iam).catch((err: unknown) => err)) as PermanentError;
      const pending = await domain.vault.versionIdAt(owner, 'pending');
      expect(failure, userName).toMatchObject({
        code: 'needs_decision',
        detail: { unconfirmedVersionId: older, pendingVersionId: pending },
      });
      expect(failure.message).toContain(`version ${older}`);
      expect(failure.message).toMatch(/nothing was changed.*allow reuse.*replay the job/);
      for (const password of sent) {
        expect(failure.message).not.toContain(password);
      }
      // Nothing changed: P1 unconfirmed, P2 pending, no fresh password made or sent.
      expect(sent).toHaveLength(answers.length);
      expect(calls.at(-1)).toBe('UpdateLoginProfile');
      const stages = (await domain.vault.versions(owner)).map((v) => [v.versionId, v.stages]);
      expect(stages).toEqual(
        expect.arrayContaining([
          [older, ['unconfirmed']],
          [pending, ['pending']],
        ]),
      );
      expect(stages).toHaveLength(2);
      expect(await domain.vault.read(owner, 'unconfirmed')).toEqual({ password: sent[0] });
      expect(await domain.vault.read(owner, 'pending')).toEqual({ password: sent.at(-1) });

      // abandon would have to drop one of them: refused, nothing changed.
      await expect(abandon(iam)).rejects.toMatchObject({ code: 'needs_decision' });
      expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBe(older);
      expect(await domain.journals.read(account)).toMatchObject({ step: 'apply_sent' });

      // The replay re-applies P2; AWS takes it: current, and P1 forgotten.
      expect(await run(iam)).toMatchObject({ vaultVersionId: pending });
      expect(sent.at(-1)).toBe(sent[1]);
      expect(await domain.vault.versionIdAt(owner, 'current')).toBe(pending);
      expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBeUndefined();
    }
  });

  it('killed between keeping the refused password and storing its replacement: the resumed run generates it, applies it, and promotes it', async () => {
    const { account, owner, run } = await setUp('resumed');
    const { iam, sent } = scriptedIam((attempt) => (attempt === 1 ? 'refused' : 'ok'));
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
      const { iam, calls } = scriptedIam(() => 'ok');
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
    const { iam, calls } = scriptedIam(() => 'ok');
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
