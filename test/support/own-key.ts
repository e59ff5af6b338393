/**
 * What the tests of a provider rotating its own key on real worker processes share (test/crash,
 * test/slow): the sandbox, a real Redis, provider `own` whose credential is its own managed
 * account `own/pam-svc/access-key` (linked; the user may do everything), other managed users
 * whose keys are adopted, a steady stream of other jobs for that provider (validations,
 * heartbeats, rotations of the other accounts), and the checks every run must pass: the
 * provider signs with one working key in every process, nothing signed with the old key
 * reached IAM after its deactivation, and no job failed.
 */
import { expect } from 'vitest';

import { canonicalRef, parseAccountRef } from '../../src/accounts/account-ref.ts';
import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import { validateProvider } from '../../src/jobs/validate-provider/contract.ts';
import type { JobStatus } from '../../src/producers/job-status.ts';
import { sleep } from '../../src/sleep.ts';
import { adoptedUser, REAL, useCrashWorld } from './access-key-crash.ts';
import { callsOf } from './process-calls.ts';
import { scanForSecrets } from './secret-scan.ts';
import { waitFor } from './wait-for.ts';

export { REAL };
export const OWN = parseAccountRef('own/pam-svc/access-key');
export type StreamKind = 'validate' | 'heartbeat' | 'rotate';
export const ALL_QUEUES = ['validate', 'heartbeat', 'rotation'] as const;

export function useOwnKey(others: readonly string[]) {
  const secrets: string[] = [];
  const ownKeys: string[] = [];
  const world = useCrashWorld(async (iam, sandbox) => {
    /** A user with one key, managed under provider `own` with its secret adopted. */
    const managedUser = async (userName: string, admin = false) => {
      const ref = { provider: 'own', userName, kind: 'access-key' as const };
      const key = await adoptedUser(iam, world.domain, ref, { admin });
      secrets.push(key.secretAccessKey);
      return key;
    };
    const body = { region: sandbox.region, endpoints: { iam: sandbox.endpoint }, maxRps: 500 };
    await world.domain.providers.put('own', { ...body, credential: { type: 'chain' } }, 'test');
    ownKeys.push((await managedUser(OWN.userName, true)).accessKeyId);
    for (const userName of others) {
      await managedUser(userName);
    }
    // Switched to its own account once it is managed (CONTRACT.md `provider add`).
    await world.domain.providers.put(
      'own',
      { ...body, credential: { type: 'linked', account: canonicalRef(OWN) } },
      'test',
    );
  });
  const { engine, domain, deadLetter, harness, secretsIn } = world;

  /**
   * Enqueues other jobs for the provider until `stop()`, every `everyMs`: a validation, a
   * heartbeat of the next other account and, every 5th round, its rotation — the kinds in
   * `kinds` (workers armed with failpoints would die in the other rotations).
   */
  function stream({
    everyMs = 150,
    kinds = ['validate', 'heartbeat', 'rotate'] as StreamKind[],
  } = {}) {
    const jobs: EnqueuedJob[] = [];
    let running = true;
    const done = (async () => {
      for (let round = 0; running; round += 1) {
        const userName = others[round % others.length] ?? '';
        const ref = { provider: 'own', userName, kind: 'access-key' as const };
        if (kinds.includes('validate')) {
          jobs.push(await engine.enqueue(validateProvider, { provider: 'own' }));
        }
        if (kinds.includes('heartbeat')) {
          jobs.push(await engine.enqueue(heartbeat, ref));
        }
        if (kinds.includes('rotate') && round % 5 === 4) {
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
    const sandbox = world.sandbox();
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

  /**
   * Enqueues a validation every 200 ms until each of `pids` (worker processes) has made a call
   * signed with `accessKeyId` after request `since`: BullMQ hands a job to the worker that has
   * waited longest, so each gets its turn.
   */
  async function untilEachSigns(pids: readonly number[], accessKeyId: string, since: number) {
    const missing = () =>
      pids.filter(
        (pid) => callsOf(world.sandbox().requests(since), pid, [accessKeyId]).length === 0,
      );
    const jobs: EnqueuedJob[] = [];
    await waitFor(
      `every worker to sign a call with ${accessKeyId}`,
      async () => {
        if (missing().length === 0) return true;
        jobs.push(await engine.enqueue(validateProvider, { provider: 'own' }));
        return undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const job of jobs) {
      const status = await engine.finished(job, 60_000);
      expect(status.state, status.failedReason).toBe('completed');
    }
  }

  /** What a process of iam-pam's (api, CLI) needs to reach the file's Redis and vault. */
  const processEnv = () => ({
    ...engine.redis.env,
    IAM_PAM_MASTER_KEY: engine.config.vault.masterKey ?? '',
  });

  /** Secrets (every own and other key's) found in any started worker's stdout or stderr. */
  const secretsInLogs = () => secretsIn(secrets);
  /** Secrets found in plaintext anywhere under the file's Redis prefix. */
  const secretsInRedis = () => scanForSecrets(engine.redis.redis, engine.redis.prefix, secrets);

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
    secretsInRedis,
    untilEachSigns,
    processEnv,
    sandbox: world.sandbox,
  };
}
