/**
 * Access-key rotation end to end on a real Redis, the production worker and a real AWS SDK
 * against the IAM backend: the end state (one managed Active key whose vault secret
 * authenticates, the old one deleted and untagged, one `rotation.succeeded`, every mutation's
 * audit settled), IAM calls per rotation, a lost CreateAccessKey response (once and twice), the
 * 2-key quota, a denied action, propagation delay and verify timeout, overlap and grace, and a
 * scan for secrets. What moto cannot show is skipped there, with the reason: its STS answers for
 * any key (no propagation delay, no key validity), it has no request log and injects no faults.
 */
import { randomBytes } from 'node:crypto';

import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type AccountRef, canonicalRef, parseAccountRef } from '../../src/accounts/account-ref.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { createUnsettledMutations } from '../../src/audit/unsettled-mutations.ts';
import { type ApiRuntime, startApiRuntime } from '../../src/app/api-runtime.ts';
import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import { DEFAULT_CREATE_DEADLINE_MS } from '../../src/jobs/rotate/access-key/deps.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { validateProvider } from '../../src/jobs/validate-provider/contract.ts';
import { putBackendProvider } from '../support/domain.ts';
import { authenticates } from '../support/authenticates.ts';
import { useEngine } from '../support/engine.ts';
import { createIamAdmin, type IamAdmin, type Principal } from '../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';
import { createCliRunner } from '../support/cli-in-process.ts';
import { scanForSecrets } from '../support/secret-scan.ts';
import { waitFor } from '../support/wait-for.ts';

const masterKey = randomBytes(32).toString('base64');
const TOKEN = 'rotation-admin-token-0001';
const engine = useEngine({
  createJobs: createProductionJobs,
  env: { IAM_PAM_MASTER_KEY: masterKey, IAM_PAM_API_TOKENS: `ops:${TOKEN}:admin` },
});
const cli = createCliRunner({ ...engine.redis.env, IAM_PAM_MASTER_KEY: masterKey });
let api: ApiRuntime;
const backend = useIamBackend();
let admin: IamAdmin;
let domain: Domain;
let principal: Principal;
const secrets: string[] = [];

const ALLOW_ALL = [{ Effect: 'Allow', Action: '*', Resource: '*' }];
const policies = unsupportedOn({ moto: 'moto does not enforce or simulate IAM policies' });
const sandboxOnly = unsupportedOn({ moto: 'moto has no request log and injects no faults' });
const stsChecks = unsupportedOn({
  moto: 'moto’s STS answers for any key (no propagation delay, no key validity)',
});

let providers = 0;
/** A provider of its own per test, so policies and validations do not leak between tests. */
async function newProvider(
  policy: Record<string, unknown> = {},
  signer: Principal = principal,
): Promise<string> {
  providers += 1;
  return putBackendProvider(domain, backend.current, `rot${providers}`, signer, policy);
}

/** A user whose one key is imported, secret adopted, as `<provider>/<user>/access-key`. */
async function managedUser(provider: string) {
  const userName = await admin.createUser('rot');
  const ref = parseAccountRef(`${provider}/${userName}/access-key`);
  const key = await admin.createAccessKey(userName);
  secrets.push(key.secretAccessKey);
  await importAccount(
    { ...domain, gatewayFor: domain.clients.gatewayFor, verifierFor: domain.clients.verifierFor },
    ref,
    { adoptSecret: key },
    'test',
  );
  return { userName, ref, key };
}

async function rotateAccount(ref: AccountRef, timeoutMs = 30_000) {
  const job = await engine.enqueue(rotate, { ...ref, reason: 'test' });
  const status = await engine.finished(job, timeoutMs);
  return { job, status };
}

const keysOf = async (userName: string) =>
  (await domain.clients.gatewayFor('rot1').listAccessKeys(userName)).map((k) => ({
    id: k.accessKeyId,
    status: k.status,
  }));

/** A metric of this file's worker (the production jobs' registry), summed over matching labels. */
async function metricValue(
  name: string,
  labels: Record<string, string> = {},
  series = name,
): Promise<number> {
  const metric = engine.runtime().metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter(
      (v) =>
        ((v as { metricName?: string }).metricName ?? name) === series &&
        Object.entries(labels).every(([k, x]) => v.labels[k] === x),
    )
    .reduce((sum, v) => sum + v.value, 0);
}

/** A histogram's count and sum. */
const metricSum = (name: string, labels: Record<string, string>) => ({
  count: metricValue(name, labels, `${name}_count`),
  sum: metricValue(name, labels, `${name}_sum`),
});

/** The end state every rotation must reach. */
async function expectRotated(ref: AccountRef, userName: string, oldKeyId: string) {
  const owner = canonicalRef(ref);
  const current = await domain.vault.read(owner, 'current');
  if (current === undefined || !('accessKeyId' in current)) {
    throw new Error('no current secret in the vault');
  }
  secrets.push(current.secretAccessKey);
  expect(await keysOf(userName)).toEqual([{ id: current.accessKeyId, status: 'Active' }]);
  expect(current.accessKeyId).not.toBe(oldKeyId);
  expect(await authenticates(backend.current, current)).toBe(true);
  expect((await domain.accounts.require(ref)).currentAccessKeyId).toBe(current.accessKeyId);
  const tags = await domain.clients.gatewayFor(ref.provider).listUserTags(userName);
  expect(tags.map((t) => t.key)).toEqual([current.accessKeyId]);
  expect(await domain.vault.read(owner, 'pending')).toBeUndefined();
  expect(await domain.journals.read(ref)).toBeUndefined();
  const events = (await engine.events.read({ limit: 10_000 })).filter(
    (e) => e.account === owner && e.type === 'rotation.succeeded',
  );
  expect(events).toHaveLength(1);
  // Every mutation's audit entry settled (a lost one `unknown`, then again on resume), none left.
  const audit = await domain.audit.list({ account: owner, limit: 500 });
  for (const entry of audit.filter((e) => e.outcome === 'attempted')) {
    const settling = audit.filter((e) => e.settles === entry.id);
    expect(settling.length, entry.action).toBeGreaterThanOrEqual(1);
    if (entry.action !== 'CreateAccessKey') {
      expect(
        settling.map((e) => e.outcome),
        entry.action,
      ).toEqual(['succeeded']);
    }
  }
  expect(await createUnsettledMutations(domain.redis, domain.keys).list(owner)).toEqual([]);
  return current.accessKeyId;
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

describe(`access-key rotation on ${process.env.IAM_TEST_BACKEND}`, () => {
  it.skipIf(stsChecks.skip)(
    `a heartbeat that finds the key Inactive rotates it, under onOutOfSync: rotate${stsChecks.label}`,
    async () => {
      const provider = await newProvider({ onOutOfSync: 'rotate' });
      const { userName, ref, key } = await managedUser(provider);
      // Behind iam-pam's back.
      await admin.client.send(
        new UpdateAccessKeyCommand({
          UserName: userName,
          AccessKeyId: key.accessKeyId,
          Status: 'Inactive',
        }),
      );
      const checked = await engine.finished(await engine.enqueue(heartbeat, ref), 30_000);
      expect(checked.state, checked.failedReason).toBe('completed');
      const found = checked.result as {
        verdict: string;
        rotation?: EnqueuedJob;
      };
      expect(found.verdict).toBe('key_inactive');
      expect(found.rotation).toMatchObject({ queue: 'rotation' });
      const rotated = await engine.finished(found.rotation!, 30_000);
      expect(rotated.state, rotated.failedReason).toBe('completed');
      expect(rotated.result).toMatchObject({ oldAccessKeyId: key.accessKeyId });
      await expectRotated(ref, userName, key.accessKeyId);
      const after = await engine.finished(await engine.enqueue(heartbeat, ref), 30_000);
      expect(after.result).toMatchObject({ verdict: 'in_sync' });
    },
  );

  it('replaces the key: one managed Active key that authenticates, the old one deleted and untagged', async () => {
    const { userName, ref, key } = await managedUser('rot1');
    await admin.tagUser(userName, { [key.accessKeyId]: 'managed by iam-pam' });
    const from = backend.current.sandbox?.requests().at(-1)?.seq ?? 0;
    const { status } = await rotateAccount(ref);
    const to = backend.current.sandbox?.requests().at(-1)?.seq ?? 0;
    expect(status.state, status.failedReason).toBe('completed');
    const newId = await expectRotated(ref, userName, key.accessKeyId);
    expect(status.result).toMatchObject({
      account: canonicalRef(ref),
      kind: 'access-key',
      oldAccessKeyId: key.accessKeyId,
      newAccessKeyId: newId,
      oldKeyDeletion: { at: expect.any(String) },
      steps: expect.arrayContaining([expect.objectContaining({ step: 'verify' })]),
    });
    expect((await domain.accounts.require(ref)).lastRotation).toMatchObject({ state: 'succeeded' });
    const sandbox = backend.current.sandbox;
    if (sandbox !== undefined) {
      const calls = sandbox
        .requests(from)
        .filter((r) => r.seq <= to && r.accessKeyId === principal.credentials.accessKeyId)
        .map((r) => r.action);
      // The note's figure: IAM calls per rotation, the verify polls apart (signed with the new key).
      process.stderr.write(
        `[access-key rotation] IAM calls per rotation: ${calls.length} (${calls.join(', ')})\n`,
      );
      // 8 with GetAccessKeyLastUsed allowed: the tag step trusts plan's read of the tags.
      expect(calls).toEqual([
        'ListAccessKeys',
        'ListUserTags',
        'GetAccessKeyLastUsed',
        'CreateAccessKey',
        'TagUser',
        'UpdateAccessKey',
        'DeleteAccessKey',
        'UntagUser',
      ]);
    }
    // The old key's last use: in the result and as its own audit entry.
    const lastUsedAt = (status.result as { oldKeyLastUsedAt?: string | null }).oldKeyLastUsedAt;
    expect(lastUsedAt).not.toBeUndefined();
    const audit = await domain.audit.list({ account: canonicalRef(ref), limit: 100 });
    expect(audit.filter((e) => e.action === 'GetAccessKeyLastUsed')).toMatchObject([
      { outcome: 'ok', keyId: key.accessKeyId, detail: { lastUsedAt } },
    ]);
  });

  it.skipIf(stsChecks.skip)(
    `a real rotation moves iam_pam_rotation_verify_wait_seconds and iam_pam_rotation_keys_pending${stsChecks.label}`,
    async () => {
      const { ref } = await managedUser('rot1');
      const waits = () =>
        metricSum('iam_pam_rotation_verify_wait_seconds', { outcome: 'verified' });
      const [countBefore, sumBefore] = [await waits().count, await waits().sum];
      const pendingBefore = await metricValue('iam_pam_rotation_keys_pending');
      backend.current.sandbox?.faults.set({ propagationDelayMs: 1_200 });
      const { status } = await rotateAccount(ref);
      expect(status.state, status.failedReason).toBe('completed');
      expect(await waits().count).toBe(countBefore + 1);
      // The wait observed is the propagation delay (the first poll is refused, a later one passes).
      expect((await waits().sum) - sumBefore).toBeGreaterThanOrEqual(0.8);
      expect((await waits().sum) - sumBefore).toBeLessThan(10);
      // Up at create, down at promote.
      expect(await metricValue('iam_pam_rotation_keys_pending')).toBe(pendingBefore);
    },
  );

  it('creates the first managed key of a user whose key is gone', async () => {
    const { userName, ref, key } = await managedUser('rot1');
    await domain.clients.gatewayFor('rot1').deleteAccessKey(userName, key.accessKeyId);
    const { status } = await rotateAccount(ref);
    expect(status.state, status.failedReason).toBe('completed');
    await expectRotated(ref, userName, key.accessKeyId);
  });

  it.skipIf(sandboxOnly.skip).each([1, 2])(
    `a CreateAccessKey response lost %i time(s): the key it made is deleted, one key remains${sandboxOnly.label}`,
    async (times) => {
      const sandbox = backend.current.sandbox;
      if (sandbox === undefined) return;
      const { userName, ref, key } = await managedUser('rot1');
      const from = sandbox.requests().at(-1)?.seq ?? 0;
      sandbox.faults.set({ dropResponse: [{ action: 'CreateAccessKey', times }] });
      const { status } = await rotateAccount(ref);
      sandbox.faults.reset();
      expect(status.state, status.failedReason).toBe('completed');
      const newId = await expectRotated(ref, userName, key.accessKeyId);
      const creates = sandbox
        .requests(from)
        .filter((r) => r.action === 'CreateAccessKey' && r.params.UserName === userName);
      expect(creates).toHaveLength(times + 1);
      const deleted = sandbox
        .requests(from)
        .filter((r) => r.action === 'DeleteAccessKey' && r.params.UserName === userName)
        .map((r) => r.params.AccessKeyId);
      // Each key a lost call created was deleted; the old key too; nothing else.
      expect(deleted).toHaveLength(times + 1);
      expect(deleted).toContain(key.accessKeyId);
      expect(deleted).not.toContain(newId);
    },
  );

  it('two Active keys, one foreign → needs_decision and rotation.refused; nothing deleted or created', async () => {
    const { userName, ref, key } = await managedUser('rot1');
    const foreign = await admin.createAccessKey(userName);
    secrets.push(foreign.secretAccessKey);
    const { status } = await rotateAccount(ref);
    expect(status).toMatchObject({ state: 'failed' });
    expect(status.failedReason).toMatch(/needs_decision|2 access keys/);
    expect((await keysOf(userName)).map((k) => k.id).sort()).toEqual(
      [key.accessKeyId, foreign.accessKeyId].sort(),
    );
    const refused = (await engine.events.read({ limit: 10_000 })).filter(
      (e) => e.account === canonicalRef(ref) && e.type === 'rotation.refused',
    );
    expect(refused).toMatchObject([{ detail: { reason: 'needs_decision' } }]);
  });

  it('an Inactive foreign key is removed when removeInactiveForeignKeys allows it, then the key rotates', async () => {
    const provider = await newProvider({ removeInactiveForeignKeys: true });
    const { userName, ref, key } = await managedUser(provider);
    const foreign = await admin.createAccessKey(userName);
    await admin.client.send(
      new UpdateAccessKeyCommand({
        UserName: userName,
        AccessKeyId: foreign.accessKeyId,
        Status: 'Inactive',
      }),
    );
    const { status } = await rotateAccount(ref);
    expect(status.state, status.failedReason).toBe('completed');
    await expectRotated(ref, userName, key.accessKeyId);
  });

  it.skipIf(stsChecks.skip)(
    `waits out a propagation delay; past verifyTimeoutSeconds fails with the old key Active, refuses a new rotation, and --abandon deletes the pending key${stsChecks.label}`,
    async () => {
      const sandbox = backend.current.sandbox;
      if (sandbox === undefined) return;
      const provider = await newProvider({ verifyTimeoutSeconds: 5 });
      const slow = await managedUser(provider);
      const waits = await managedUser('rot1');
      sandbox.faults.set({ propagationDelayMs: 2_500 });
      const waited = await rotateAccount(waits.ref);
      expect(waited.status.state, waited.status.failedReason).toBe('completed');
      await expectRotated(waits.ref, waits.userName, waits.key.accessKeyId);

      sandbox.faults.set({ propagationDelayMs: 60_000 });
      const timeouts = () =>
        metricSum('iam_pam_rotation_verify_wait_seconds', { outcome: 'timeout' });
      const timeoutsBefore = await timeouts().count;
      const pendingBefore = await metricValue('iam_pam_rotation_keys_pending');
      const { status } = await rotateAccount(slow.ref, 40_000);
      sandbox.faults.reset();
      expect(status.state).toBe('failed');
      expect(status.failedReason).toMatch(/did not authenticate within 5 s/);
      // The verify wait recorded as a timeout of about verifyTimeoutSeconds; its key pending.
      expect(await timeouts().count).toBe(timeoutsBefore + 1);
      expect(await metricValue('iam_pam_rotation_keys_pending')).toBe(pendingBefore + 1);
      const keys = await keysOf(slow.userName);
      expect(keys).toHaveLength(2);
      expect(keys).toContainEqual({ id: slow.key.accessKeyId, status: 'Active' });
      expect(await authenticates(backend.current, slow.key)).toBe(true);
      expect(await domain.vault.read(canonicalRef(slow.ref), 'current')).toMatchObject({
        accessKeyId: slow.key.accessKeyId,
      });

      // Half-finished: a new rotation is refused; --abandon deletes the unpromoted key.
      const name = `${provider}/${slow.userName}/access-key`;
      const refused = await cli(['rotate', name, '--json']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/rotation_in_progress|stopped at step/);
      const pendingId = keys.find((k) => k.id !== slow.key.accessKeyId)?.id;
      const abandoned = await cli(['rotate', name, '--abandon', '--json']);
      expect(abandoned.code, abandoned.stderr).toBe(0);
      expect(abandoned.json()).toMatchObject({
        abandoned: { step: 'create', deletedAccessKeyId: pendingId },
      });
      expect(await keysOf(slow.userName)).toEqual([{ id: slow.key.accessKeyId, status: 'Active' }]);
      expect(await authenticates(backend.current, slow.key)).toBe(true);
      expect(await domain.vault.read(canonicalRef(slow.ref), 'pending')).toBeUndefined();
      expect(await domain.journals.read(slow.ref)).toBeUndefined();
    },
    60_000,
  );

  /**
   * A rotation whose CreateAccessKey answer is lost, then dead-lettered at `create_sent` before
   * any recovery: the provider's principal is denied ListAccessKeys as soon as the sandbox has
   * dropped the answer (before the job's retry, 1–2 s later), so the retry fails for good.
   */
  async function lostAtCreateSent(options: { keepOldKey: boolean }) {
    const sandbox = backend.current.sandbox;
    if (sandbox === undefined) throw new Error('sandbox only');
    const signer = await admin.createPrincipal('lost', ALLOW_ALL);
    const provider = await newProvider({}, signer);
    const user = await managedUser(provider);
    if (!options.keepOldKey) {
      await domain.clients.gatewayFor('rot1').deleteAccessKey(user.userName, user.key.accessKeyId);
    }
    const from = sandbox.requests().at(-1)?.seq ?? 0;
    sandbox.faults.set({ dropResponse: [{ action: 'CreateAccessKey', times: 1 }] });
    const job = await engine.enqueue(rotate, { ...user.ref, reason: 'test' });
    await sandbox.waitForRequest(
      (r) =>
        r.action === 'CreateAccessKey' && r.params.UserName === user.userName && r.dropped === true,
      { since: from, timeoutMs: 20_000 },
    );
    await admin.putUserPolicy(signer.userName, 'test-permissions', [
      ...ALLOW_ALL,
      { Effect: 'Deny', Action: 'iam:ListAccessKeys', Resource: '*' },
    ]);
    const status = await engine.finished(job, 30_000);
    expect(status.state).toBe('failed');
    expect(status.failedReason).toMatch(/ListAccessKeys/);
    const journal = await domain.journals.read(user.ref);
    expect(journal?.step).toBe('create_sent');
    const lostId = (await keysOf(user.userName)).find((k) => k.id !== user.key.accessKeyId)?.id;
    expect(lostId).toBeDefined();
    const allow = () => admin.putUserPolicy(signer.userName, 'test-permissions', ALLOW_ALL);
    return { ...user, provider, lostId, journal, allow, from };
  }

  it.skipIf(sandboxOnly.skip)(
    `rotate --abandon deletes the key a lost CreateAccessKey made (dead-lettered at create_sent); the old key still works${sandboxOnly.label}`,
    async () => {
      const lost = await lostAtCreateSent({ keepOldKey: true });
      await lost.allow();
      const name = `${lost.provider}/${lost.userName}/access-key`;
      const abandoned = await cli(['rotate', name, '--abandon', '--json']);
      expect(abandoned.code, abandoned.stderr).toBe(0);
      expect(abandoned.json()).toMatchObject({
        abandoned: { step: 'create_sent', deletedAccessKeyId: lost.lostId },
      });
      expect(await keysOf(lost.userName)).toEqual([{ id: lost.key.accessKeyId, status: 'Active' }]);
      expect(await authenticates(backend.current, lost.key)).toBe(true);
      expect(await domain.vault.read(canonicalRef(lost.ref), 'current')).toMatchObject({
        accessKeyId: lost.key.accessKeyId,
      });
      expect(await domain.journals.read(lost.ref)).toBeUndefined();
    },
    60_000,
  );

  it.skipIf(sandboxOnly.skip)(
    `a foreign key created after the lost create's deadline and before the resume is left alone; the lost key is deleted${sandboxOnly.label}`,
    async () => {
      const lost = await lostAtCreateSent({ keepOldKey: false });
      const { sentAt } = lost.journal?.steps.find((s) => s.step === 'create_sent')?.record as {
        sentAt: string;
      };
      // Past the send's window: its deadline, widened to whole seconds and by the clock skew.
      const outside = Date.parse(sentAt) + DEFAULT_CREATE_DEADLINE_MS + 3_000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, outside - Date.now())));
      const foreign = await admin.createAccessKey(lost.userName);
      secrets.push(foreign.secretAccessKey);
      await lost.allow();
      const entry = await waitFor('the dead-letter entry', async () => {
        const listed = await cli(['dlq', 'list', '--json']);
        return listed
          .json<{ id: string; data: { userName?: string } }[]>()
          .find((e) => e.data.userName === lost.userName);
      });
      const replayed = await cli(['dlq', 'replay', entry.id, '--json']);
      expect(replayed.code, replayed.stderr).toBe(0);
      await waitFor(
        'the resumed rotation to finish',
        async () => ((await domain.journals.read(lost.ref)) === undefined ? true : undefined),
        { timeoutMs: 30_000 },
      );
      const current = await domain.vault.read(canonicalRef(lost.ref), 'current');
      if (current === undefined || !('accessKeyId' in current)) throw new Error('no current');
      secrets.push(current.secretAccessKey);
      expect((await keysOf(lost.userName)).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [
          { id: foreign.accessKeyId, status: 'Active' },
          { id: current.accessKeyId, status: 'Active' },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(await authenticates(backend.current, foreign)).toBe(true);
      expect(await authenticates(backend.current, current)).toBe(true);
      const deleted = (backend.current.sandbox?.requests(lost.from) ?? [])
        .filter((r) => r.action === 'DeleteAccessKey' && r.params.UserName === lost.userName)
        .map((r) => r.params.AccessKeyId);
      expect(deleted).toEqual([lost.lostId]);
    },
    90_000,
  );

  it.skipIf(stsChecks.skip)(
    `with overlap both keys work, then the old one goes Inactive and, after the grace, is deleted${stsChecks.label}`,
    async () => {
      const provider = await newProvider({ overlapSeconds: 2, deleteGraceSeconds: 1 });
      const { userName, ref, key } = await managedUser(provider);
      const { status } = await rotateAccount(ref);
      expect(status.state, status.failedReason).toBe('completed');
      const current = await domain.vault.read(canonicalRef(ref), 'current');
      if (current === undefined || !('accessKeyId' in current)) throw new Error('no current');
      expect(await authenticates(backend.current, key)).toBe(true);
      expect(await authenticates(backend.current, current)).toBe(true);
      await waitFor(
        'the old key Inactive',
        async () =>
          (await keysOf(userName)).find((k) => k.id === key.accessKeyId)?.status !== 'Active' ||
          undefined,
        { timeoutMs: 20_000 },
      );
      await waitFor(
        'the old key deleted',
        async () => (await keysOf(userName)).length === 1 || undefined,
        { timeoutMs: 20_000 },
      );
      expect(await keysOf(userName)).toEqual([{ id: current.accessKeyId, status: 'Active' }]);
      expect(await authenticates(backend.current, current)).toBe(true);
    },
    60_000,
  );

  it.skipIf(policies.skip)(
    `UpdateAccessKey denied in the last validation → permission_denied in plan, nothing created${policies.label}`,
    async () => {
      const denied = await admin.createPrincipal('deny', [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:UpdateAccessKey', Resource: '*' },
      ]);
      const provider = await newProvider({}, denied);
      const validated = await engine.finished(await engine.enqueue(validateProvider, { provider }));
      expect(validated.result).toMatchObject({ denied: ['iam:UpdateAccessKey'] });
      const { userName, ref, key } = await managedUser(provider);
      const from = backend.current.sandbox?.requests().at(-1)?.seq ?? 0;
      const { status } = await rotateAccount(ref);
      expect(status.state).toBe('failed');
      expect(status.failedReason).toMatch(/iam:UpdateAccessKey/);
      const sent = (backend.current.sandbox?.requests(from) ?? []).filter(
        (r) => r.accessKeyId === denied.credentials.accessKeyId,
      );
      expect(sent).toEqual([]);
      expect(await keysOf(userName)).toEqual([{ id: key.accessKeyId, status: 'Active' }]);
    },
  );

  it('a user at 50 tags: the retiring key’s tag goes first; with none of ours → tag_quota', async () => {
    const tagsOf = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`team-${i}`, 'x']));
    const ours = await managedUser('rot1');
    await admin.tagUser(ours.userName, { ...tagsOf(49), [ours.key.accessKeyId]: 'iam-pam' });
    const done = await rotateAccount(ours.ref);
    expect(done.status.state, done.status.failedReason).toBe('completed');
    const newId = (done.status.result as { newAccessKeyId: string }).newAccessKeyId;
    const tags = await domain.clients.gatewayFor('rot1').listUserTags(ours.userName);
    expect(tags).toHaveLength(50);
    expect(tags.map((t) => t.key)).toContain(newId);

    const full = await managedUser('rot1');
    await admin.tagUser(full.userName, tagsOf(50));
    const { status } = await rotateAccount(full.ref);
    expect(status.state).toBe('failed');
    expect(status.failedReason).toMatch(/holds 50 tags/);
    expect(await keysOf(full.userName)).toEqual([{ id: full.key.accessKeyId, status: 'Active' }]);
  });

  it('account add --reset --wait replaces the imported key; account show has lastRotation', async () => {
    const userName = await admin.createUser('rot');
    const key = await admin.createAccessKey(userName);
    secrets.push(key.secretAccessKey);
    const ref = parseAccountRef(`rot1/${userName}/access-key`);
    const added = await cli([
      'account',
      'add',
      `rot1/${userName}/access-key`,
      '--reset',
      '--wait',
      '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      queue: 'rotation',
      state: 'completed',
      result: { oldAccessKeyId: key.accessKeyId, newAccessKeyId: expect.any(String) },
    });
    expect(added.stderr).toMatch(/step/);
    await expectRotated(ref, userName, key.accessKeyId);
    const shown = await cli(['account', 'show', `rot1/${userName}/access-key`, '--json']);
    expect(shown.json()).toMatchObject({
      status: 'managed',
      lastRotation: { state: 'succeeded', at: expect.any(String) },
    });
    expect(added.stdout + added.stderr + shown.stdout).not.toContain(key.secretAccessKey);
  });

  it('PUT …/accounts/… with resetOnImport answers 201 with the account and its rotation job; a user with no key gets one', async () => {
    const userName = await admin.createUser('rot');
    const response = await api.app.inject({
      method: 'PUT',
      url: `/v1/providers/rot1/accounts/${userName}/access-key`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { resetOnImport: true },
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = JSON.parse(response.body) as { rotation: { queue: 'rotation'; jobId: string } };
    expect(body).toMatchObject({
      account: `rot1/${userName}/access-key`,
      rotation: { queue: 'rotation' },
    });
    const status = await engine.finished(body.rotation, 30_000);
    expect(status.state, status.failedReason).toBe('completed');
    expect(status.result).not.toHaveProperty('oldAccessKeyId');
    await expectRotated(parseAccountRef(`rot1/${userName}/access-key`), userName, 'none');
  });

  it('leaves no plaintext secret in Redis', async () => {
    const findings = await scanForSecrets(engine.redis.redis, engine.redis.prefix, secrets);
    expect(findings).toEqual([]);
  });
});
