/**
 * What the password rotation's crash tests share (test/crash, test/slow): real worker processes
 * running the production kind (IAM_PAM_TEST_ROTATION=production), a real Redis and the sandbox,
 * managed users whose console password is adopted, and the end state every rotation must
 * reach: the vault's current password is the one the sandbox holds (its admin view), nothing
 * pending, the journal closed, exactly one `rotation.succeeded`, every apply audited with the
 * vault version it sent and settled, none left unsettled.
 */
import { randomBytes } from 'node:crypto';

import { CreateLoginProfileCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, expect } from 'vitest';

import { type AccountRef, canonicalRef } from '../../src/accounts/account-ref.ts';
import { createUnsettledMutations } from '../../src/audit/unsettled-mutations.ts';
import { createDomain } from '../../src/domain.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { REAL } from './access-key-crash.ts';
import { createCrashHarness } from './crash-harness.ts';
import { useEngine } from './engine.ts';
import type { WorkerProcess } from './worker-process.ts';

/** Registers the file's hooks; `users` are managed, their password adopted, before the tests. */
export function usePasswordCrash(users: readonly string[]) {
  const engine = useEngine({ noWorker: true });
  const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  let sandbox: Sandbox;
  let iam: IAMClient;
  const harness = createCrashHarness(engine, () => sandbox);
  const started: WorkerProcess[] = [];
  const passwords: string[] = [];

  async function startWorker(failpoints: string[] = []) {
    const worker = await harness.start({ failpoints, env: REAL });
    started.push(worker);
    return worker;
  }

  /** A user with a console password, managed with it adopted. */
  async function managedUser(userName: string): Promise<void> {
    const { User } = await iam.send(new CreateUserCommand({ UserName: userName }));
    const initial = `Initial-${randomBytes(6).toString('hex')}-Aa1!`;
    passwords.push(initial);
    await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: initial }));
    const ref = accountOf(userName);
    const now = new Date().toISOString();
    await domain.vault.put(canonicalRef(ref), 'current', { password: initial }, { actor: 'test' });
    await domain.accounts.create({
      ...ref,
      account: `prod/${userName}/password`,
      status: 'managed',
      userId: User?.UserId ?? '',
      secretKnown: true,
      passwordSource: 'adopted',
      loginProfileAtImport: true,
      importedAt: now,
      updatedAt: now,
    });
  }

  /** The end state; returns the vault version ids each apply attempt named, in order. */
  async function expectRotated(userName: string): Promise<string[]> {
    const ref = accountOf(userName);
    const owner = canonicalRef(ref);
    const current = await domain.vault.read(owner, 'current');
    if (current === undefined || !('password' in current)) throw new Error('no current password');
    passwords.push(current.password);
    expect(sandbox.user(userName)?.loginProfile?.password).toBe(current.password);
    expect(passwords.slice(0, -1)).not.toContain(current.password);
    expect(await domain.journals.read(ref)).toBeUndefined();
    expect(await domain.vault.versionIdAt(owner, 'pending')).toBeUndefined();
    const succeeded = (await engine.events.read({ limit: 10_000 })).filter(
      (e) => e.account === owner && e.type === 'rotation.succeeded',
    );
    expect(succeeded).toHaveLength(1);
    const audit = (await domain.audit.list({ account: owner, limit: 500 })).reverse();
    const attempts = audit.filter(
      (e) => e.outcome === 'attempted' && e.action.endsWith('LoginProfile'),
    );
    for (const attempt of attempts) {
      expect(
        audit.some((e) => e.settles === attempt.id),
        attempt.action,
      ).toBe(true);
    }
    expect(await createUnsettledMutations(domain.redis, domain.keys).list(owner)).toEqual([]);
    const sent = attempts.map((e) => String(e.detail?.vaultVersionId));
    // The version AWS holds is the one the last apply sent, and it is the vault's current.
    expect(sent.at(-1)).toBe(await domain.vault.versionIdAt(owner, 'current'));
    return sent;
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
    domain.close();
    await sandbox.close();
  });

  /** Passwords (old and new) found in any started worker's output, shortened. */
  function passwordsInLogs(): string[] {
    const logs = started.map((w) => w.stdout() + w.stderr()).join('\n');
    return passwords.filter((p) => logs.includes(p)).map((p) => `${p.slice(0, 3)}…`);
  }

  return {
    engine,
    domain,
    harness,
    passwords,
    startWorker,
    expectRotated,
    passwordsInLogs,
    sandbox: () => sandbox,
  };
}

export const accountOf = (userName: string): AccountRef => ({
  provider: 'prod',
  userName,
  kind: 'password',
});
