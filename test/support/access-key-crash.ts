/**
 * What the access-key rotation's crash tests share (test/crash, test/slow): real worker
 * processes running the production kind (IAM_PAM_TEST_ROTATION=production), a real Redis and
 * the sandbox, managed users whose imported key is adopted, and the end state every rotation
 * must reach: exactly one key, Active, whose vault secret is the key's; the old key deleted
 * and untagged; the journal closed; exactly one `rotation.succeeded`; every mutation's audit
 * entry settled and none left unsettled.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, expect } from 'vitest';

import { type AccountRef, canonicalRef } from '../../src/accounts/account-ref.ts';
import { createUnsettledMutations } from '../../src/audit/unsettled-mutations.ts';
import { createDeadLetterOf, createQueueServices } from '../../src/app/queue-services.ts';
import { createDomain } from '../../src/domain.ts';
import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { jobContracts } from '../../src/jobs/registry.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { createCrashHarness } from './crash-harness.ts';
import type { WorkerProcess } from './worker-process.ts';
import { useEngine } from './engine.ts';

export const REAL = { IAM_PAM_TEST_ROTATION: 'production' };
export const FAILPOINTS = [...ACCESS_KEY_STEPS, 'done'].map((step) => `rotation:after-${step}`);

export const accountOf = (userName: string): AccountRef => ({
  provider: 'prod',
  userName,
  kind: 'access-key',
});

/** Registers the file's hooks; `users` get an imported, adopted key before the tests. */
export function useAccessKeyCrash(users: readonly string[]) {
  const engine = useEngine({ noWorker: true });
  const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  const services = createQueueServices({ redis: engine.producer, config: engine.config });
  const deadLetter = createDeadLetterOf(services, { contracts: jobContracts, log: engine.log });
  let sandbox: Sandbox;
  let iam: IAMClient;
  const crashHarness = createCrashHarness(engine, () => sandbox);
  const started: WorkerProcess[] = [];
  /** The harness, remembering every worker it starts (their logs are scanned for secrets). */
  const harness: typeof crashHarness = {
    ...crashHarness,
    async start(options) {
      const worker = await crashHarness.start(options);
      started.push(worker);
      return worker;
    },
  };
  const oldKeys = new Map<string, string>();
  const secrets: string[] = [];

  /** A managed user whose one key is the account's, its secret adopted into the vault. */
  async function managedUser(userName: string): Promise<void> {
    const { User } = await iam.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const key = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    oldKeys.set(userName, key.accessKeyId);
    secrets.push(key.secretAccessKey);
    const now = new Date().toISOString();
    const ref = accountOf(userName);
    await domain.vault.put(canonicalRef(ref), 'current', key, { actor: 'test' });
    await domain.accounts.create({
      ...ref,
      account: `prod/${userName}/access-key`,
      status: 'managed',
      userId: User?.UserId ?? '',
      currentAccessKeyId: key.accessKeyId,
      secretKnown: true,
      importedAt: now,
      updatedAt: now,
    });
  }

  beforeAll(async () => {
    sandbox = await createSandbox();
    iam = new IAMClient({
      region: sandbox.region,
      endpoint: sandbox.endpoint,
      credentials: sandbox.adminCredentials,
    });
    await domain.unlockVault();
    await engine.addProvider('prod', { endpoint: undefined, credentials: 'chain' });
    for (const userName of users) {
      await managedUser(userName);
    }
  });

  afterAll(async () => {
    await harness.stopAll();
    iam.destroy();
    await services.close();
    domain.close();
    await sandbox.close();
  });

  /** The end state of a rotation, whatever happened on the way. */
  async function expectRotated(userName: string): Promise<void> {
    const ref = accountOf(userName);
    const owner = canonicalRef(ref);
    const user = sandbox.user(userName);
    const current = await domain.vault.read(owner, 'current');
    if (current === undefined || !('accessKeyId' in current)) throw new Error('no current secret');
    secrets.push(current.secretAccessKey);
    expect(user?.accessKeys.map((k) => [k.accessKeyId, k.status])).toEqual([
      [current.accessKeyId, 'Active'],
    ]);
    expect(user?.accessKeys[0]?.secretAccessKey).toBe(current.secretAccessKey);
    expect(current.accessKeyId).not.toBe(oldKeys.get(userName));
    expect(user?.tags.map((t) => t.key)).toEqual([current.accessKeyId]);
    expect(await domain.journals.read(ref)).toBeUndefined();
    const succeeded = (await engine.events.read({ limit: 10_000 })).filter(
      (e) => e.account === owner && e.type === 'rotation.succeeded',
    );
    expect(succeeded).toHaveLength(1);
    // Every key the sandbox created for this user is gone but the current one.
    const created = sandbox
      .requests()
      .filter(
        (r) => r.action === 'CreateAccessKey' && r.params.UserName === userName && r.status === 200,
      );
    expect(created.length).toBeGreaterThanOrEqual(1);
    const audit = await domain.audit.list({ account: owner, limit: 500 });
    for (const attempt of audit.filter((e) => e.outcome === 'attempted')) {
      expect(
        audit.some((e) => e.settles === attempt.id),
        attempt.action,
      ).toBe(true);
    }
    expect(await createUnsettledMutations(domain.redis, domain.keys).list(owner)).toEqual([]);
  }
  /** Secrets (old and new keys') found in any started worker's stdout or stderr. */
  function secretsInLogs(): string[] {
    const logs = started.map((w) => w.stdout() + w.stderr()).join('\n');
    return secrets.filter((secret) => logs.includes(secret)).map((s) => `${s.slice(0, 4)}…`);
  }

  return {
    engine,
    domain,
    deadLetter,
    harness,
    oldKeys,
    expectRotated,
    secretsInLogs,
    sandbox: () => sandbox,
  };
}
