/**
 * Trivial job types for the engine's tests, declared like production ones. Their handlers
 * record every run in Redis (under the file's prefix), so tests see runs made by other
 * processes too: `runs:<key>` counts starts, `running:<key>` holds the pid of the latest start,
 * `log:<key>` lists `{start, end, pid, token}`.
 */
import { z } from 'zod';

import type { EngineDeps } from '../../src/app/engine-deps.ts';
import { PermanentError, TransientError } from '../../src/errors.ts';
import { withAbortSignal } from '../../src/iam/abortable-gateway.ts';
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
  /** Fail with a permanent error (after attaching a state snapshot). */
  permanent: z.boolean().default(false),
  sleepMs: z.number().int().min(0).default(0),
  /** Sleep without looking at the abort signal. */
  ignoreSignal: z.boolean().default(false),
  /** Sleep on the first run only (a retry is quick). */
  sleepFirstRunOnly: z.boolean().default(false),
  /** Report progress this many times. */
  progressSteps: z.number().int().min(0).default(0),
  /** Emit a `heartbeat.verdict` event. */
  emit: z.boolean().default(false),
  /** Return a secret-shaped field (the engine must scrub it). */
  leakyResult: z.boolean().default(false),
  /** IAM GetUser calls to make through the provider's gateway. */
  iamCalls: z.number().int().min(0).default(0),
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
  payload: z.object({ ...behaviour, userName: iamUserNameSchema }),
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

export const testContracts = [
  testEcho,
  testLocked,
  testShortDeadline,
  testLockedShortDeadline,
] as const;

type Behaviour = z.output<typeof testEcho.payload> & { userName?: string };

export function runsKey(prefix: string, key: string): string {
  return `{${prefix}}:test:runs:${key}`;
}

/** Holds the pid of the process that last started the run. */
export function runningKey(prefix: string, key: string): string {
  return `{${prefix}}:test:running:${key}`;
}

export function logKey(prefix: string, key: string): string {
  return `{${prefix}}:test:log:${key}`;
}

function createHandler(deps: EngineDeps) {
  const prefix = deps.config.redis.prefix;
  return async (payload: Behaviour, ctx: JobContext) => {
    const start = Date.now();
    const run = await deps.redis.incr(runsKey(prefix, payload.key));
    await deps.redis.set(runningKey(prefix, payload.key), String(process.pid));
    for (let step = 1; step <= payload.progressSteps; step += 1) {
      await ctx.progress({ step, of: payload.progressSteps });
    }
    if (payload.sleepMs > 0 && (!payload.sleepFirstRunOnly || run === 1)) {
      await sleep(payload.sleepMs, payload.ignoreSignal ? undefined : ctx.signal);
    }
    for (let call = 0; call < payload.iamCalls; call += 1) {
      const iam = withAbortSignal(await deps.iam.gateway(payload.provider), ctx.signal);
      await iam.getUser();
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
      throw new PermanentError('needs_decision', `test job ${payload.key} cannot go on`);
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
  });
}
