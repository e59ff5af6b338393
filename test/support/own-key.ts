/**
 * What the tests of a provider rotating its own key on real worker processes share (test/crash,
 * test/slow): the sandbox, a real Redis, provider `own` whose credential is its own managed
 * account `own/pam-svc/access-key` (linked; the user may do everything), other managed users
 * whose keys are adopted, a steady stream of other jobs for that provider (validations,
 * heartbeats, rotations of the other accounts), and the checks every run must pass: the
 * provider signs with one working key in every process, nothing signed with the old key
 * reached IAM after its deactivation, and no job failed.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, expect } from 'vitest';

import { canonicalRef, parseAccountRef } from '../../src/accounts/account-ref.ts';
import { createDeadLetterOf, createQueueServices } from '../../src/app/queue-services.ts';
import { createDomain } from '../../src/domain.ts';
import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { validateProvider } from '../../src/jobs/validate-provider/contract.ts';
import { jobContracts } from '../../src/jobs/registry.ts';
import type { JobStatus } from '../../src/producers/job-status.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { sleep } from '../../src/sleep.ts';
import { createCrashHarness } from './crash-harness.ts';
import { useEngine } from './engine.ts';
import type { WorkerProcess } from './worker-process.ts';

export const REAL = { IAM_PAM_TEST_ROTATION: 'production' };
export const OWN = parseAccountRef('own/pam-svc/access-key');
export const ALL_QUEUES = ['validate', 'heartbeat', 'rotation'] as const;

export function useOwnKey(others: readonly string[]) {
  const engine = useEngine({ noWorker: true });
  const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  const services = createQueueServices({ redis: engine.producer, config: engine.config });
  const deadLetter = createDeadLetterOf(services, { contracts: jobContracts, log: engine.log });
  let sandbox: Sandbox;
  let iam: IAMClient;
  const crashHarness = createCrashHarness(engine, () => sandbox);
  const started: WorkerProcess[] = [];
  const harness: typeof crashHarness = {
    ...crashHarness,
    async start(options) {
      const worker = await crashHarness.start(options);
      started.push(worker);
      return worker;
    },
  };
  const secrets: string[] = [];
  const ownKeys: string[] = [];

  /** A user with one key, managed under provider `own` with its secret adopted. */
  async function managedUser(userName: string, admin = false) {
    const { User } = await iam.send(new CreateUserCommand({ UserName: userName }));
    if (admin) {
      await iam.send(
        new PutUserPolicyCommand({
          UserName: userName,
          PolicyName: 'everything',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        }),
      );
    }
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const key = {
      accessKeyId: AccessKey?.AccessKeyId ?? '',
      secretAccessKey: AccessKey?.SecretAccessKey ?? '',
    };
    secrets.push(key.secretAccessKey);
    const ref = { provider: 'own', userName, kind: 'access-key' as const };
    await domain.vault.put(canonicalRef(ref), 'current', key, { actor: 'test' });
    const now = new Date().toISOString();
    await domain.accounts.create({
      ...ref,
      account: canonicalRef(ref),
      status: 'managed',
      userId: User?.UserId ?? '',
      currentAccessKeyId: key.accessKeyId,
      secretKnown: true,
      importedAt: now,
      updatedAt: now,
    });
    return key;
  }

  beforeAll(async () => {
    sandbox = await createSandbox();
    iam = new IAMClient({
      region: sandbox.region,
      endpoint: sandbox.endpoint,
      credentials: sandbox.adminCredentials,
    });
    await domain.unlockVault();
    const body = { region: sandbox.region, endpoints: { iam: sandbox.endpoint }, maxRps: 500 };
    await domain.providers.put('own', { ...body, credential: { type: 'chain' } }, 'test');
    ownKeys.push((await managedUser(OWN.userName, true)).accessKeyId);
    for (const userName of others) {
      await managedUser(userName);
    }
    // Switched to its own account once it is managed (CONTRACT.md `provider add`).
    await domain.providers.put(
      'own',
      { ...body, credential: { type: 'linked', account: canonicalRef(OWN) } },
      'test',
    );
  });

  afterAll(async () => {
    await harness.stopAll();
    iam.destroy();
    await services.close();
    domain.close();
    await sandbox.close();
  });

  /**
   * Enqueues other jobs for the provider until `stop()`: a validation and a heartbeat of the
   * next other account every `everyMs`, and (unless `rotations` is false: workers armed with
   * failpoints would die in them) a rotation of that account every 5th round.
   */
  function stream({ everyMs = 150, rotations = true } = {}) {
    const jobs: EnqueuedJob[] = [];
    let running = true;
    const done = (async () => {
      for (let round = 0; running; round += 1) {
        jobs.push(await engine.enqueue(validateProvider, { provider: 'own' }));
        const userName = others[round % others.length] ?? '';
        const ref = { provider: 'own', userName, kind: 'access-key' as const };
        jobs.push(await engine.enqueue(heartbeat, ref));
        if (rotations && round % 5 === 4) {
          jobs.push(await engine.enqueue(rotate, { ...ref, reason: 'stream' }));
        }
        await sleep(everyMs);
      }
    })();
    return {
      jobs,
      async stop(): Promise<JobStatus[]> {
        running = false;
        await done;
        const seen = new Set<string>();
        const statuses: JobStatus[] = [];
        for (const job of jobs) {
          const id = `${job.queue}:${job.jobId}`;
          if (!seen.has(id)) {
            seen.add(id);
            statuses.push(await engine.finished(job, 60_000));
          }
        }
        return statuses;
      },
    };
  }

  /** The provider's key now: the vault's current version of its own account. */
  async function currentOwnKey() {
    const current = await domain.vault.read(canonicalRef(OWN), 'current');
    if (current === undefined || !('accessKeyId' in current)) throw new Error('no own key');
    secrets.push(current.secretAccessKey);
    return current;
  }

  /**
   * One working key that every process uses: the user has exactly that key, Active, with the
   * vault's secret; the old key is gone; no request signed with it reached the sandbox after
   * its deactivation (nor after `since`, if given), and the next calls of the provider sign
   * with the new one.
   */
  async function expectOneWorkingKey(oldKeyId: string) {
    const current = await currentOwnKey();
    ownKeys.push(current.accessKeyId);
    const user = sandbox.user(OWN.userName);
    expect(user?.accessKeys.map((k) => [k.accessKeyId, k.status])).toEqual([
      [current.accessKeyId, 'Active'],
    ]);
    expect(user?.accessKeys[0]?.secretAccessKey).toBe(current.secretAccessKey);
    expect(current.accessKeyId).not.toBe(oldKeyId);
    expect(await domain.journals.read(OWN)).toBeUndefined();
    const log = sandbox.requests();
    const deactivation = log.find(
      (r) =>
        r.action === 'UpdateAccessKey' &&
        r.params.AccessKeyId === oldKeyId &&
        r.params.Status === 'Inactive' &&
        r.status === 200,
    );
    const lastOld = log.filter((r) => r.accessKeyId === oldKeyId).at(-1);
    expect(deactivation).toBeDefined();
    expect(lastOld?.seq ?? 0).toBeLessThan(deactivation?.seq ?? 0);
    return { current, deactivation: deactivation!, log };
  }

  /** Secrets (every own and other key's) found in any started worker's stdout or stderr. */
  function secretsInLogs(): string[] {
    const logs = started.map((w) => w.stdout() + w.stderr()).join('\n');
    return secrets.filter((secret) => logs.includes(secret)).map((s) => `${s.slice(0, 4)}…`);
  }

  return {
    engine,
    domain,
    deadLetter,
    harness,
    ownKeys,
    stream,
    currentOwnKey,
    expectOneWorkingKey,
    secretsInLogs,
    sandbox: () => sandbox,
  };
}
