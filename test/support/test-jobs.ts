/**
 * Trivial job types for the engine's tests, declared like production ones. Their handlers
 * record every run in Redis (under the file's prefix), so tests see runs made by other
 * processes too: `runs:<key>` counts starts, `running:<key>` holds the pid of the latest start,
 * `log:<key>` lists `{start, end, pid, token}` of the runs that got to the end, `ended:<key>`
 * the run number of every run that ended, however it did. Runs that hold (`holdUntilReleased`)
 * wait for `release:<key>`.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

import type { EngineDeps } from '../../src/app/engine-deps.ts';
import { PermanentError, TransientError } from '../../src/errors.ts';
import { defineJob, type JobContext } from '../../src/jobs/define-job.ts';
import { iamUserNameSchema, providerIdSchema } from '../../src/identifiers.ts';
import { sleep } from '../../src/sleep.ts';
import { bindHandlers, type JobBinding } from '../../src/workers/bind-handlers.ts';

const behaviour = {
  provider: providerIdSchema,
  /** Names the run for assertions (and deduplication). */
  key: z.string().min(1),
  /** Fail with a transient error this many times, then succeed. */
  failTimes: z.number().int().min(0).default(0),
  /** Fail with a permanent error quoting a secret (after attaching a state snapshot with one). */
  permanent: z.boolean().default(false),
  sleepMs: z.number().int().min(0).default(0),
  /** Sleep without looking at the abort signal. */
  ignoreSignal: z.boolean().default(false),
  /** Sleep on the first run only (a retry is quick). */
  sleepFirstRunOnly: z.boolean().default(false),
  /** Wait until this many runs of `key` have started: a barrier only runs at once pass. */
  awaitRuns: z.number().int().min(0).default(0),
  /** Stay running until the test sets `releaseKey(prefix, key)`. */
  holdUntilReleased: z.boolean().default(false),
  /** Report progress this many times. */
  progressSteps: z.number().int().min(0).default(0),
  /** Emit a `heartbeat.verdict` event. */
  emit: z.boolean().default(false),
  /** Return a secret-shaped field (the engine must scrub it). */
  leakyResult: z.boolean().default(false),
  /** IAM GetUser calls to make through the provider's gateway. */
  iamCalls: z.number().int().min(0).default(0),
  /** Before any IAM call, wait until the test sets `go:<goKey>` (see goKey()). */
  goKey: z.string().min(1).optional(),
};

export const testEcho = defineJob({
  name: 'test-echo',
  queue: 'validate',
  description: 'Test job: records its run, and fails, sleeps or reports as told.',
  payload: z.object(behaviour),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 50, jitter: 0.5 } },
  concurrency: 8,
  timeoutMs: 5_000,
  deduplicationId: ({ provider, key }) => `${provider}/${key.toLowerCase()}:test-echo`,
  provider: ({ provider }) => provider,
});

export const testLocked = defineJob({
  name: 'test-locked',
  queue: 'rotation',
  description: 'Test job: mutates one IAM user, so it holds that user lease.',
  payload: z.object({
    ...behaviour,
    userName: iamUserNameSchema,
    /**
     * Tag the user (an IAM mutation, tag `iam-pam-test-run` = the run number) through the
     * provider's gateway as it is, not one wrapped with the run's signal: only the engine's own
     * guards can stop it.
     */
    tagUser: z.boolean().default(false),
  }),
  retry: { attempts: 2, backoff: { type: 'fixed', delay: 50 } },
  concurrency: 8,
  timeoutMs: 5_000,
  provider: ({ provider }) => provider,
  lockedUser: ({ provider, userName }) => ({ provider, userName }),
});

export const testShortDeadline = defineJob({
  name: 'test-short-deadline',
  queue: 'heartbeat',
  description: 'Test job with a 300 ms deadline.',
  payload: z.object(behaviour),
  retry: { attempts: 1, backoff: { type: 'fixed', delay: 10 } },
  concurrency: 4,
  timeoutMs: 300,
  provider: ({ provider }) => provider,
});

export const testLockedShortDeadline = defineJob({
  ...testLocked,
  name: 'test-locked-short-deadline',
  description: 'Test job: holds the user lease, with a 500 ms deadline.',
  timeoutMs: 500,
});

/** Runs for as long as `sleepMs` says (up to ten minutes): a job that stays active. */
export const testLongRunning = defineJob({
  ...testEcho,
  name: 'test-long-running',
  description: 'Test job: like test-echo, with a ten-minute deadline.',
  timeoutMs: 600_000,
  deduplicationId: ({ provider, key }) => `${provider}/${key.toLowerCase()}:test-long-running`,
});

export const testContracts = [
  testEcho,
  testLocked,
  testShortDeadline,
  testLockedShortDeadline,
  testLongRunning,
] as const;

type Behaviour = z.output<typeof testEcho.payload> & { userName?: string; tagUser?: boolean };

export function runsKey(prefix: string, key: string): string {
  return `{${prefix}}:test:runs:${key}`;
}

/** Holds the pid of the process that last started the run. */
export function runningKey(prefix: string, key: string): string {
  return `{${prefix}}:test:running:${key}`;
}

/** Lets the runs of `key` that hold until released go on. */
export function releaseKey(prefix: string, key: string): string {
  return `{${prefix}}:test:release:${key}`;
}

export function logKey(prefix: string, key: string): string {
  return `{${prefix}}:test:log:${key}`;
}

export interface FinishedRun {
  start: number;
  end: number;
  pid: number;
  /** The run's fencing token, for a job that locks a user. */
  token: number;
}

/** The runs of the test job `key` that got to the end, in the order they ended. */
export async function finishedRuns(
  redis: Redis,
  prefix: string,
  key: string,
): Promise<FinishedRun[]> {
  const lines = await redis.lrange(logKey(prefix, key), 0, -1);
  return lines.map((line) => JSON.parse(line) as FinishedRun);
}

export function endedKey(prefix: string, key: string): string {
  return `{${prefix}}:test:ended:${key}`;
}

/** Set it to let a run waiting on `goKey` go on. */
export function goKey(prefix: string, key: string): string {
  return `{${prefix}}:test:go:${key}`;
}

/** Polls for the go key (the test's own condition, not a timing): a run paused meanwhile resumes here. */
async function waitForGo(deps: EngineDeps, key: string, signal: AbortSignal | undefined) {
  while ((await deps.redis.exists(key)) === 0) {
    await sleep(20, signal);
  }
}

function createHandler(deps: EngineDeps) {
  const prefix = deps.config.redis.prefix;
  const body = createBody(deps);
  return async (payload: Behaviour, ctx: JobContext) => {
    const start = Date.now();
    const run = await deps.redis.incr(runsKey(prefix, payload.key));
    await deps.redis.set(runningKey(prefix, payload.key), String(process.pid));
    try {
      return await body(payload, ctx, { start, run });
    } finally {
      await deps.redis.rpush(endedKey(prefix, payload.key), String(run));
    }
  };
}

function createBody(deps: EngineDeps) {
  const prefix = deps.config.redis.prefix;
  return async (
    payload: Behaviour,
    ctx: JobContext,
    { start, run }: { start: number; run: number },
  ) => {
    for (let step = 1; step <= payload.progressSteps; step += 1) {
      await ctx.progress({ step, of: payload.progressSteps });
    }
    while (Number(await deps.redis.get(runsKey(prefix, payload.key))) < payload.awaitRuns) {
      await sleep(20, ctx.signal);
    }
    while (
      payload.holdUntilReleased &&
      !(await deps.redis.exists(releaseKey(prefix, payload.key)))
    ) {
      await sleep(20, ctx.signal);
    }
    if (payload.sleepMs > 0 && (!payload.sleepFirstRunOnly || run === 1)) {
      await sleep(payload.sleepMs, payload.ignoreSignal ? undefined : ctx.signal);
    }
    if (payload.goKey !== undefined) {
      await waitForGo(
        deps,
        goKey(prefix, payload.goKey),
        payload.ignoreSignal ? undefined : ctx.signal,
      );
    }
    for (let call = 0; call < payload.iamCalls; call += 1) {
      await ctx.scope.iam.getUser();
    }
    if (payload.tagUser === true && payload.userName !== undefined) {
      // The domain's gateway, not the run's scope: only the engine's IAM hooks can stop it.
      const iam = deps.domain.clients.gatewayFor(payload.provider);
      await iam.tagUser(payload.userName, [{ key: 'iam-pam-test-run', value: String(run) }]);
    }
    if (ctx.lease !== undefined) {
      await ctx.lease.assertHeld();
    }
    await deps.redis.rpush(
      logKey(prefix, payload.key),
      JSON.stringify({ start, end: Date.now(), pid: process.pid, token: ctx.lease?.fencingToken }),
    );
    if (payload.permanent) {
      ctx.attachState({ step: 'plan', run, secretAccessKey: 'must-never-be-stored' });
      // A failure text quoting a secret, as an error relaying a response might.
      throw new PermanentError(
        'needs_decision',
        `test job ${payload.key} cannot go on (it was sent secretAccessKey=must-never-be-stored)`,
      );
    }
    if (run <= payload.failTimes) {
      throw new TransientError('iam_unavailable', `test job ${payload.key}: failure ${run}`);
    }
    if (payload.emit) {
      await ctx.emit({
        type: 'heartbeat.verdict',
        account: `${payload.provider}/alice/access-key`,
        detail: { verdict: 'in_sync', password: 'must-never-be-stored' },
      });
    }
    return {
      key: payload.key,
      run,
      pid: process.pid,
      ...(payload.leakyResult ? { secretAccessKey: 'must-never-be-stored' } : {}),
    };
  };
}

export function createTestJobs(deps: EngineDeps): JobBinding[] {
  const handler = createHandler(deps);
  return bindHandlers(testContracts, {
    'test-echo': handler,
    'test-locked': handler,
    'test-short-deadline': handler,
    'test-locked-short-deadline': handler,
    'test-long-running': handler,
  });
}
