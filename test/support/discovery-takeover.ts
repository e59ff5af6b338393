/**
 * A discovery taken over from a SIGKILLed worker process, on the sandbox: a worker process lists
 * `users` seeded users in short pages; once it has listed the keys of `killAfterUsers`, the
 * sandbox holds its next ListAccessKeys response, the process is SIGKILLed, and a fresh worker
 * (started in this process, which spares a second start-up) takes the stalled job over. Returns the job's result and, from the sandbox's request log, what each
 * worker fetched, so a test can show that finished pages were not fetched again.
 */
import { expect } from 'vitest';

import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/app/worker-runtime.ts';
import { createDomain } from '../../src/domain.ts';
import { discover } from '../../src/jobs/discover/contract.ts';
import { readsInFlight } from '../../src/jobs/discover/handler.ts';
import { createSandbox } from '../../src/sandbox/create-sandbox.ts';
import type { RequestLogEntry } from '../../src/sandbox/admin/request-log.ts';
import { custom } from './domain.ts';
import type { TestEngine } from './engine.ts';
import { waitFor } from './wait-for.ts';
import { startWorkerProcess, type WorkerProcess } from './worker-process.ts';

export interface TakeoverOptions {
  users: number;
  pageItems: number;
  maxRps: number;
  killAfterUsers: number;
  timeoutMs: number;
}

export interface TakeoverOutcome {
  result: { users: number; accessKeys: number; partial: boolean; calls: Record<string, number> };
  /** The most key listings the job keeps in flight (answered before the kill, maybe unrecorded). */
  inFlight: number;
  before: RequestLogEntry[];
  after: RequestLogEntry[];
  seededUsers: number;
}

export async function runDiscoveryTakeover(
  engine: TestEngine,
  masterKey: string,
  options: TakeoverOptions,
): Promise<TakeoverOutcome> {
  const sandbox = await createSandbox({ seedUsers: options.users });
  const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  let victim: WorkerProcess | undefined;
  let successor: WorkerRuntime | undefined;
  try {
    await domain.providers.put(
      'big',
      {
        region: sandbox.region,
        endpoints: { iam: sandbox.endpoint },
        credential: custom(sandbox.adminCredentials),
        maxRps: options.maxRps,
      },
      'test',
    );
    sandbox.faults.set({ maxPageItems: options.pageItems });
    victim = await startWorkerProcess({ ...engine.redis.env, IAM_PAM_MASTER_KEY: masterKey }, [
      '--queues',
      'discovery',
    ]);
    const job = await engine.enqueue(discover, { provider: 'big' });
    await waitFor(
      `${options.killAfterUsers} users' keys listed`,
      () =>
        sandbox.requests().filter((r) => r.action === 'ListAccessKeys').length >=
        options.killAfterUsers
          ? true
          : undefined,
      { timeoutMs: options.timeoutMs, intervalMs: 20 },
    );
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    sandbox.faults.set({
      maxPageItems: options.pageItems,
      holdAfter: [{ action: 'ListAccessKeys', times: 1 }],
    });
    const held = await sandbox.waitForRequest((r) => r.held === true, { since });
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const killedAt = sandbox.requests().at(-1)?.seq ?? 0;
    sandbox.release(held.seq);
    successor = await startWorkerRuntime({
      config: engine.config,
      log: engine.log,
      queues: ['discovery'],
      createJobs: createProductionJobs,
    });
    const status = await engine.finished(job, options.timeoutMs);
    expect(status.state, status.failedReason).toBe('completed');
    const log = sandbox.requests();
    return {
      result: status.result as TakeoverOutcome['result'],
      inFlight: readsInFlight(options.maxRps),
      before: log.filter((r) => r.seq <= killedAt),
      after: log.filter((r) => r.seq > killedAt),
      seededUsers: options.users,
    };
  } finally {
    victim?.child.kill('SIGKILL');
    await successor?.close(5_000);
    domain.close();
    await sandbox.close();
  }
}

/** What the request log must show: each finished page and user fetched once, none lost. */
export function expectResumedWithoutRefetching(outcome: TakeoverOutcome): void {
  const answered = (entries: RequestLogEntry[], action: string, param: string) =>
    entries
      .filter((r) => r.action === action && r.status === 200)
      .map((r) => r.params[param] ?? '');
  const asked = (entries: RequestLogEntry[], action: string, param: string) =>
    entries.filter((r) => r.action === action).map((r) => r.params[param] ?? '');

  const total = outcome.seededUsers + 1; // the sandbox's administrator too
  expect(outcome.result).toMatchObject({ users: total, partial: false });

  const usersBefore = new Set(answered(outcome.before, 'ListAccessKeys', 'UserName'));
  // Distinct users: a read that timed out on a busy machine and was sent again is one read.
  const usersAfter = [...new Set(asked(outcome.after, 'ListAccessKeys', 'UserName'))];
  const again = usersAfter.filter((u) => usersBefore.has(u));
  // Only reads in flight at the kill (answered, not yet recorded) may be sent again.
  expect(again.length).toBeLessThanOrEqual(outcome.inFlight + 1);
  expect(new Set([...usersBefore, ...usersAfter]).size).toBe(total);
  expect(usersAfter.length).toBeLessThan(total - usersBefore.size + outcome.inFlight + 2);

  const pagesBefore = new Set(answered(outcome.before, 'ListUsers', 'Marker'));
  const pagesAgain = [...new Set(asked(outcome.after, 'ListUsers', 'Marker'))].filter((m) =>
    pagesBefore.has(m),
  );
  expect(pagesAgain.length).toBeLessThanOrEqual(1);
}
