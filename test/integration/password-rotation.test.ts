/**
 * Password rotation end to end on a real Redis, the production worker and a real AWS SDK
 * against the IAM backend: the update and create paths (the vault's current password is the
 * one AWS holds, read through the sandbox's admin view), every apply audited with the vault
 * version it sent (a retry names the same version), reset on import (CLI and HTTP), a
 * heartbeat's `login_profile_missing` rotating under `onOutOfSync: rotate`, the `unconfirmed`
 * rule on a lost answer under password reuse prevention, a double refusal (the fresh password
 * dropped when refused at its only send, abandon over HTTP keeping the first; both kept and
 * abandon refused when the fresh one may have reached AWS), abandon keeping a password AWS may
 * hold, metrics by kind, and a scan for passwords in Redis. What moto cannot show is skipped
 * there with the reason: it cannot show the password it holds, enforces no password policy or
 * IAM policy, and injects no faults.
 */
import { randomBytes } from 'node:crypto';

import {
  CreateLoginProfileCommand,
  DeleteAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type AccountRef, canonicalRef, parseAccountRef } from '../../src/accounts/account-ref.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { createUnsettledMutations } from '../../src/audit/unsettled-mutations.ts';
import type { AuditEntry } from '../../src/audit/audit-log.ts';
import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { rotationSweep } from '../../src/jobs/rotation-sweep/contract.ts';
import { putBackendProvider } from '../support/domain.ts';
import { useEngine } from '../support/engine.ts';
import { createIamAdmin, type IamAdmin, type Principal } from '../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { createLogSink } from '../support/log-sink.ts';
import { scanForSecrets } from '../support/secret-scan.ts';
import type { RequestLogEntry } from '../../src/sandbox/admin/request-log.ts';

const masterKey = randomBytes(32).toString('base64');
const TOKEN = 'password-admin-token-0001';
/** The worker's log at debug level: scanned for passwords last. */
const sink = createLogSink('debug');
const engine = useEngine({
  log: sink.log,
  createJobs: createProductionJobs,
  env: { IAM_PAM_MASTER_KEY: masterKey, IAM_PAM_API_TOKENS: `ops:${TOKEN}:admin` },
});
const cli = createCliRunner({ ...engine.redis.env, IAM_PAM_MASTER_KEY: masterKey });
let api: ApiRuntime;
const backend = useIamBackend();
let admin: IamAdmin;
let domain: Domain;
let principal: Principal;
/** Every password this file saw: none may be in Redis in plain text. */
const passwords: string[] = [];

const heldPassword = unsupportedOn({ moto: 'moto cannot show the password it holds' });
const sandboxOnly = unsupportedOn({
  moto: 'moto injects no faults and enforces no password policy',
});
const policies = unsupportedOn({ moto: 'moto does not enforce IAM policies' });

let providers = 0;
async function newProvider(
  policy: Record<string, unknown> = {},
  signer: Principal = principal,
): Promise<string> {
  providers += 1;
  return putBackendProvider(domain, backend.current, `pw${providers}`, signer, policy);
}

const importDeps = () => ({
  ...domain,
  gatewayFor: domain.clients.gatewayFor,
  verifierFor: domain.clients.verifierFor,
});

/** A user with a console password, imported with it adopted (`<provider>/<user>/password`). */
async function managedUser(provider: string, withProfile = true) {
  const userName = await admin.createUser('pw');
  const ref = parseAccountRef(`${provider}/${userName}/password`);
  const initial = `Initial-${randomBytes(6).toString('hex')}-Aa1!`;
  if (withProfile) {
    passwords.push(initial);
    await admin.client.send(
      new CreateLoginProfileCommand({ UserName: userName, Password: initial }),
    );
  }
  await importAccount(
    importDeps(),
    ref,
    withProfile ? { adoptSecret: { password: initial } } : {},
    'test',
  );
  return { userName, ref, initial };
}

/** The account's password policy: 20 characters, all four classes, plus `extra`. */
async function setAccountPolicy(extra: { PasswordReusePrevention?: number } = {}) {
  await admin.client.send(
    new UpdateAccountPasswordPolicyCommand({
      MinimumPasswordLength: 20,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      ...extra,
    }),
  );
}

async function rotateAccount(ref: AccountRef) {
  const job = await engine.enqueue(rotate, { ...ref, reason: 'test' });
  return engine.finished(job, 30_000);
}

async function currentPassword(ref: AccountRef): Promise<string> {
  const current = await domain.vault.read(canonicalRef(ref), 'current');
  if (current === undefined || !('password' in current)) {
    throw new Error('no current password in the vault');
  }
  passwords.push(current.password);
  return current.password;
}

/** The login-profile mutations of the account, oldest first (audit entries). */
async function applies(ref: AccountRef): Promise<AuditEntry[]> {
  const audit = await domain.audit.list({ account: canonicalRef(ref), limit: 500 });
  return audit
    .filter((e) => e.action === 'CreateLoginProfile' || e.action === 'UpdateLoginProfile')
    .reverse();
}

/** The end state of every password rotation. */
async function expectRotated(ref: AccountRef, userName: string, previous: string | undefined) {
  const owner = canonicalRef(ref);
  const password = await currentPassword(ref);
  expect(password).not.toBe(previous);
  expect(await domain.clients.gatewayFor(ref.provider).getLoginProfile(userName)).toBeDefined();
  const aws = backend.current.sandbox?.user(userName)?.loginProfile?.password;
  if (backend.current.sandbox !== undefined) {
    expect(aws).toBe(password);
  }
  const currentVersion = await domain.vault.versionIdAt(owner, 'current');
  const done = await applies(ref);
  // The last apply succeeded, naming the version that is now current.
  const settled = done.filter((e) => e.outcome === 'succeeded');
  expect(settled.at(-1)?.detail).toMatchObject({ vaultVersionId: currentVersion });
  for (const attempt of done.filter((e) => e.outcome === 'attempted')) {
    expect(attempt.detail?.vaultVersionId, 'every apply names its vault version').toEqual(
      expect.any(String),
    );
    expect(done.some((e) => e.settles === attempt.id)).toBe(true);
  }
  expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
  expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBeUndefined();
  expect(await domain.journals.read(ref)).toBeUndefined();
  expect(await createUnsettledMutations(domain.redis, domain.keys).list(owner)).toEqual([]);
  expect(await domain.accounts.require(ref)).toMatchObject({
    status: 'managed',
    secretKnown: true,
    passwordSource: 'set_by_us',
  });
  return password;
}

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  principal = await admin.createPrincipal('pam', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  await newProvider();
  api = await startApiRuntime({ config: engine.config, log: engine.log, listen: false });
});

afterEach(() => {
  backend.current.sandbox?.faults.reset();
});

afterAll(async () => {
  await api?.close();
  domain?.close();
  await admin?.cleanup();
});

describe(`password rotation on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('update path: a new password, the vault’s current is what AWS holds, the apply audited with its vault version', async () => {
    const { userName, ref, initial } = await managedUser('pw1');
    const since = backend.current.sandbox?.requests().at(-1)?.seq ?? 0;
    const status = await rotateAccount(ref);
    expect(status.state, status.failedReason).toBe('completed');
    if (backend.current.sandbox !== undefined) {
      // The IAM calls of one rotation (the sandbox's request log; moto keeps none).
      const calls = backend.current.sandbox.requests().filter((r) => r.seq > since);
      expect(calls.map((r) => r.action)).toEqual([
        'GetLoginProfile',
        'GetAccountPasswordPolicy',
        'UpdateLoginProfile',
      ]);
    }
    expect(status.result).toMatchObject({
      account: `pw1/${userName}/password`,
      kind: 'password',
      loginProfile: 'updated',
      vaultVersionId: expect.any(String),
      resetRequired: false,
      steps: ['plan', 'store_pending', 'apply_sent', 'apply', 'promote'].map((step) => ({
        step,
        at: expect.any(String),
        ms: expect.any(Number),
      })),
    });
    await expectRotated(ref, userName, initial);
    const done = await applies(ref);
    expect(done.map((e) => [e.action, e.outcome])).toEqual([
      ['UpdateLoginProfile', 'attempted'],
      ['UpdateLoginProfile', 'succeeded'],
    ]);
    expect(done[0]?.detail?.vaultVersionId).toBe(
      (status.result as { vaultVersionId: string }).vaultVersionId,
    );
    const events = (await engine.events.read({ limit: 10_000 })).filter(
      (e) => e.account === canonicalRef(ref),
    );
    expect(events.map((e) => [e.type, e.detail.kind])).toEqual([
      ['rotation.started', 'password'],
      ['rotation.succeeded', 'password'],
    ]);
    const metrics = await engine
      .runtime()
      .metrics.registry.getSingleMetricAsString('iam_pam_rotations_total');
    expect(metrics).toMatch(/iam_pam_rotations_total\{kind="password",outcome="succeeded"\} [1-9]/);
  });

  it('create path with PasswordResetRequired from the policy: a user with no console password gets one', async () => {
    const provider = await newProvider({ passwordResetRequired: true });
    const { userName, ref } = await managedUser(provider, false);
    const status = await rotateAccount(ref);
    expect(status.state, status.failedReason).toBe('completed');
    expect(status.result).toMatchObject({ loginProfile: 'created', resetRequired: true });
    if (backend.current.sandbox !== undefined) {
      // moto's GetLoginProfile always answers PasswordResetRequired false, so only here.
      const profile = await domain.clients.gatewayFor(provider).getLoginProfile(userName);
      expect(profile?.passwordResetRequired).toBe(true);
    }
    await expectRotated(ref, userName, undefined);
    expect((await applies(ref)).map((e) => [e.action, e.outcome])).toEqual([
      ['CreateLoginProfile', 'attempted'],
      ['CreateLoginProfile', 'succeeded'],
    ]);
  });

  it('account add --reset --wait sets a password at once (creating the login profile); secret prints {"password"}', async () => {
    const userName = await admin.createUser('pw');
    const account = `pw1/${userName}/password`;
    const added = await cli(['account', 'add', account, '--reset', '--wait', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      queue: 'rotation',
      state: 'completed',
      result: { kind: 'password', loginProfile: 'created' },
    });
    const password = await expectRotated(parseAccountRef(account), userName, undefined);
    const secret = await cli(['secret', account, '--json']);
    expect(secret.code, secret.stderr).toBe(0);
    expect(secret.json()).toEqual({ password });
    expect(added.stdout + added.stderr).not.toContain(password);
  });

  it('PUT …/accounts/…/password with resetOnImport answers 201 with its rotation job, which replaces the password', async () => {
    const userName = await admin.createUser('pw');
    const initial = `Initial-${randomBytes(6).toString('hex')}-Aa1!`;
    passwords.push(initial);
    await admin.client.send(
      new CreateLoginProfileCommand({ UserName: userName, Password: initial }),
    );
    const response = await api.app.inject({
      method: 'PUT',
      url: `/v1/providers/pw1/accounts/${userName}/password`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { resetOnImport: true },
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = JSON.parse(response.body) as { rotation: EnqueuedJob };
    expect(body).toMatchObject({ rotation: { queue: 'rotation' } });
    const status = await engine.finished(body.rotation, 30_000);
    expect(status.state, status.failedReason).toBe('completed');
    expect(status.result).toMatchObject({ loginProfile: 'updated' });
    await expectRotated(parseAccountRef(`pw1/${userName}/password`), userName, initial);
  });

  it('a heartbeat finding no login profile rotates under onOutOfSync: rotate, creating one', async () => {
    const provider = await newProvider({ onOutOfSync: 'rotate' });
    const { userName, ref } = await managedUser(provider, false);
    const checked = await engine.finished(await engine.enqueue(heartbeat, ref), 30_000);
    expect(checked.state, checked.failedReason).toBe('completed');
    const found = checked.result as { verdict: string; rotation?: EnqueuedJob };
    expect(found.verdict).toBe('login_profile_missing');
    expect(found.rotation).toMatchObject({ queue: 'rotation' });
    const rotated = await engine.finished(found.rotation!, 30_000);
    expect(rotated.state, rotated.failedReason).toBe('completed');
    await expectRotated(ref, userName, undefined);
  });

  it('the rotation sweep rotates a password account that is due', async () => {
    const provider = await newProvider({ rotateEveryDays: 1 });
    const { userName, ref, initial } = await managedUser(provider);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
    await domain.accounts.update(ref, { importedAt: twoDaysAgo });
    const swept = await engine.finished(await engine.enqueue(rotationSweep, { provider }), 30_000);
    expect(swept.state, swept.failedReason).toBe('completed');
    expect(swept.result).toMatchObject({ due: 1, requested: 1 });
    // The sweep spreads its rotations over the day (delayed jobs); asking again runs it now.
    const now = await cli(['rotate', `${provider}/${userName}/password`, '--wait', '--json']);
    expect(now.code, now.stderr).toBe(0);
    const [closed] = await domain.journals.history(ref, 1);
    expect(closed).toMatchObject({ outcome: 'succeeded', reason: 'rotation-sweep:age' });
    await expectRotated(ref, userName, initial);
  });

  it.skipIf(sandboxOnly.skip)(
    `EntityTemporarilyUnmodifiable retries later and re-applies the same vault version${sandboxOnly.label}`,
    async () => {
      const { userName, ref, initial } = await managedUser('pw1');
      backend.current.sandbox?.faults.set({
        errors: [{ action: 'UpdateLoginProfile', code: 'EntityTemporarilyUnmodifiable', times: 1 }],
      });
      const status = await rotateAccount(ref);
      expect(status.state, status.failedReason).toBe('completed');
      await expectRotated(ref, userName, initial);
      const done = await applies(ref);
      expect(done.map((e) => e.outcome)).toEqual(['attempted', 'failed', 'attempted', 'succeeded']);
      const versions = new Set(done.map((e) => e.detail?.vaultVersionId));
      expect(versions.size, 'the retry names the same version').toBe(1);
      expect(done[1]?.detail).toMatchObject({ error: 'iam_busy' });
    },
  );

  it.skipIf(sandboxOnly.skip)(
    `a lost answer under reuse prevention: the re-apply is refused, that password kept unconfirmed, a fresh one applied${sandboxOnly.label}`,
    async () => {
      const { userName, ref, initial } = await managedUser('pw1');
      await setAccountPolicy({ PasswordReusePrevention: 5 });
      try {
        // Applied, then the connection closes unanswered: the SDK sends the same password again.
        backend.current.sandbox?.faults.set({
          dropResponse: [{ action: 'UpdateLoginProfile', times: 1 }],
        });
        const status = await rotateAccount(ref);
        expect(status.state, status.failedReason).toBe('completed');
        const result = status.result as { vaultVersionId: string; unconfirmedVersionId: string };
        expect(result.unconfirmedVersionId).toEqual(expect.any(String));
        expect(result.unconfirmedVersionId).not.toBe(result.vaultVersionId);
        const password = await expectRotated(ref, userName, initial);
        expect(password.length).toBeGreaterThanOrEqual(20);
        const done = await applies(ref);
        expect(done.map((e) => [e.outcome, e.detail?.vaultVersionId])).toEqual([
          ['attempted', result.unconfirmedVersionId],
          ['failed', result.unconfirmedVersionId],
          ['attempted', result.vaultVersionId],
          ['succeeded', result.vaultVersionId],
        ]);
        expect(done[1]?.detail).toMatchObject({ error: 'password_policy_violation' });
        // The sandbox saw three sends: the dropped one, its SDK retry (refused), the fresh one.
        const sends = backend.current.sandbox
          ?.requests()
          .filter((r) => r.action === 'UpdateLoginProfile' && r.params.UserName === userName);
        expect(sends?.map((r) => r.status)).toEqual([200, 400, 200]);
      } finally {
        await admin.client.send(new DeleteAccountPasswordPolicyCommand({}));
      }
    },
  );

  it.skipIf(sandboxOnly.skip)(
    `the fresh password refused at its only send (the policy tightened meanwhile) is dropped; abandon over HTTP keeps the first, which AWS holds, as unconfirmed${sandboxOnly.label}`,
    async () => {
      const { userName, ref } = await managedUser('pw1');
      const owner = canonicalRef(ref);
      await setAccountPolicy({ PasswordReusePrevention: 5 });
      try {
        // The first apply goes through unanswered, its SDK re-send is refused as reused (held
        // until the next fault is set); the policy the fresh password is generated against is
        // held too, while the account's policy is tightened past it: AWS refuses it at once.
        const sandbox = backend.current.sandbox!;
        const once = (action: string) => [{ action, times: 1 }];
        sandbox.faults.set({
          dropResponse: once('UpdateLoginProfile'),
          holdAfter: once('UpdateLoginProfile'),
        });
        const job = await engine.enqueue(rotate, { ...ref, reason: 'test' });
        /** The held request of `action` (this user's, for UpdateLoginProfile). */
        const heldOf = (action: string) => (r: RequestLogEntry) =>
          r.action === action &&
          r.held === true &&
          (action !== 'UpdateLoginProfile' || r.params.UserName === userName);
        const resend = await sandbox.waitForRequest(heldOf('UpdateLoginProfile'), {
          timeoutMs: 30_000,
        });
        sandbox.faults.set({ holdAfter: once('GetAccountPasswordPolicy') });
        sandbox.release(resend.seq);
        const reread = await sandbox.waitForRequest(heldOf('GetAccountPasswordPolicy'), {
          since: resend.seq,
          timeoutMs: 30_000,
        });
        await admin.client.send(
          new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 64 }),
        );
        sandbox.release(reread.seq);
        const status = await engine.finished(job, 30_000);
        expect(status.state).toBe('failed');
        expect(status.failedReason).toMatch(/refused at its only send and is dropped/);
        const sends = sandbox
          .requests()
          .filter((r) => r.action === 'UpdateLoginProfile' && r.params.UserName === userName);
        expect(sends.map((r) => [r.status, r.dropped === true])).toEqual([
          [200, true],
          [400, false],
          [400, false],
        ]);
        const original = await domain.vault.versionIdAt(owner, 'unconfirmed');
        expect(original).toEqual(expect.any(String));
        expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();

        const abandon = await api.app.inject({
          method: 'POST',
          url: `/v1/providers/pw1/accounts/${userName}/password/rotate/abandon`,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(abandon.statusCode, abandon.body).toBe(200);
        expect(abandon.json()).toMatchObject({
          account: `pw1/${userName}/password`,
          abandoned: { step: 'apply_sent', unconfirmedVersionId: original },
        });
        // What the vault keeps as unconfirmed is what AWS holds.
        const kept = await domain.vault.read(owner, 'unconfirmed');
        if (kept === undefined || !('password' in kept)) throw new Error('no unconfirmed password');
        passwords.push(kept.password);
        expect(sandbox.user(userName)?.loginProfile?.password).toBe(kept.password);
        expect(abandon.body).not.toContain(kept.password);
        expect(await domain.journals.read(ref)).toBeUndefined();
      } finally {
        await admin.client.send(new DeleteAccountPasswordPolicyCommand({})).catch(() => undefined);
      }
    },
  );

  it.skipIf(sandboxOnly.skip)(
    `the fresh password's answer lost too, its SDK re-send refused as reused: both kept (AWS holds the fresh one), abandon refused over HTTP with nothing changed, a replay once AWS takes it settles it${sandboxOnly.label}`,
    async () => {
      const { userName, ref, initial } = await managedUser('pw1');
      const owner = canonicalRef(ref);
      await setAccountPolicy({ PasswordReusePrevention: 5 });
      try {
        // Both applies go through unanswered; each SDK re-send is refused as a reused password.
        // The first re-send's refusal is held until the second drop is set (drops count every
        // answered request, refusals too).
        const sandbox = backend.current.sandbox!;
        const drop = { action: 'UpdateLoginProfile', times: 1 };
        sandbox.faults.set({ dropResponse: [drop], holdAfter: [drop] });
        const job = await engine.enqueue(rotate, { ...ref, reason: 'test' });
        const resend = await sandbox.waitForRequest(
          (r) =>
            r.action === 'UpdateLoginProfile' && r.held === true && r.params.UserName === userName,
          { timeoutMs: 30_000 },
        );
        sandbox.faults.set({ dropResponse: [drop] });
        sandbox.release(resend.seq);
        const status = await engine.finished(job, 30_000);
        const sends = sandbox
          .requests()
          .filter((r) => r.action === 'UpdateLoginProfile' && r.params.UserName === userName);
        expect(sends.map((r) => [r.status, r.dropped === true])).toEqual([
          [200, true],
          [400, false],
          [200, true],
          [400, false],
        ]);
        expect(status.state).toBe('failed');
        expect(status.failedReason).toMatch(/password_policy_violation.*both are kept/);
        const held = {
          unconfirmed: await domain.vault.versionIdAt(owner, 'unconfirmed'),
          pending: await domain.vault.versionIdAt(owner, 'pending'),
        };
        expect(held.unconfirmed).toEqual(expect.any(String));
        expect(held.pending).toEqual(expect.any(String));
        const fresh = await domain.vault.read(owner, 'pending');
        if (fresh === undefined || !('password' in fresh)) throw new Error('no pending password');
        passwords.push(fresh.password);
        // What AWS holds is the pending password: the one abandon used to drop.
        expect(backend.current.sandbox?.user(userName)?.loginProfile?.password).toBe(
          fresh.password,
        );

        const abandon = await api.app.inject({
          method: 'POST',
          url: `/v1/providers/pw1/accounts/${userName}/password/rotate/abandon`,
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(abandon.statusCode, abandon.body).toBe(409);
        expect(abandon.json()).toMatchObject({
          error: { code: 'needs_decision', message: expect.stringMatching(/replay its job/) },
        });
        expect(abandon.body).not.toContain(fresh.password);
        expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBe(held.unconfirmed);
        expect(await domain.vault.versionIdAt(owner, 'pending')).toBe(held.pending);
        expect((await domain.journals.read(ref))?.step).toBe('apply_sent');

        // The operator lets AWS take it (no reuse prevention for a moment) and replays.
        await admin.client.send(new DeleteAccountPasswordPolicyCommand({}));
        const replayed = await rotateAccount(ref);
        expect(replayed.state, replayed.failedReason).toBe('completed');
        expect(replayed.result).toMatchObject({ vaultVersionId: held.pending });
        expect(await expectRotated(ref, userName, initial)).toBe(fresh.password);
      } finally {
        await admin.client.send(new DeleteAccountPasswordPolicyCommand({})).catch(() => undefined);
      }
    },
  );

  it.skipIf(policies.skip)(
    `a rotation failed after apply_sent is refused until abandoned; abandon keeps its password as unconfirmed${policies.label}`,
    async () => {
      const denied = await admin.createPrincipal('pam-deny', [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:UpdateLoginProfile', Resource: '*' },
      ]);
      const provider = await newProvider({}, denied);
      const { userName, ref, initial } = await managedUser(provider);
      const owner = canonicalRef(ref);
      const before = await domain.vault.versionIdAt(owner, 'current');
      const status = await rotateAccount(ref);
      expect(status.state).toBe('failed');
      expect(status.failedReason).toMatch(/permission_denied|AccessDenied|not authorized/);
      expect((await domain.journals.read(ref))?.step).toBe('apply_sent');
      const pending = await domain.vault.versionIdAt(owner, 'pending');
      expect(pending).toEqual(expect.any(String));
      const refused = await cli(['rotate', `${provider}/${userName}/password`]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/stopped at step apply_sent/);
      const abandoned = await cli([
        'rotate',
        `${provider}/${userName}/password`,
        '--abandon',
        '--json',
      ]);
      expect(abandoned.code, abandoned.stderr).toBe(0);
      expect(abandoned.json()).toMatchObject({
        abandoned: { step: 'apply_sent', unconfirmedVersionId: pending },
      });
      expect(await domain.vault.versionIdAt(owner, 'unconfirmed')).toBe(pending);
      expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
      expect(await domain.vault.versionIdAt(owner, 'current')).toBe(before);
      expect(await currentPassword(ref)).toBe(initial);
      const unconfirmed = await domain.vault.read(owner, 'unconfirmed');
      if (unconfirmed !== undefined && 'password' in unconfirmed) {
        passwords.push(unconfirmed.password);
      }
      expect(await domain.journals.read(ref)).toBeUndefined();
    },
  );

  it.skipIf(heldPassword.skip)(
    `with an account policy of 20 characters and all 4 classes, the rotated password follows it${heldPassword.label}`,
    async () => {
      const { userName, ref, initial } = await managedUser('pw1');
      await setAccountPolicy();
      try {
        const status = await rotateAccount(ref);
        expect(status.state, status.failedReason).toBe('completed');
        expect((status.result as { policy: string }).policy).toMatch(/^20–128 characters/);
        await expectRotated(ref, userName, initial);
      } finally {
        await admin.client.send(new DeleteAccountPasswordPolicyCommand({}));
      }
    },
  );

  it('leaves no password in Redis in plain text (job data, results, events, audit, journal) nor in the log', async () => {
    expect(passwords.length).toBeGreaterThan(5);
    const findings = await scanForSecrets(engine.redis.redis, engine.redis.prefix, passwords);
    expect(findings).toEqual([]);
    const log = sink.text();
    expect(log).toMatch(/password applied/);
    expect(passwords.filter((p) => log.includes(p)).map((p) => `${p.slice(0, 3)}…`)).toEqual([]);
  });
});
