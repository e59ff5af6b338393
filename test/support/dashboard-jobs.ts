/**
 * The jobs of the dashboard scene, in every state the dashboard shows: production jobs that
 * completed and failed (`PRODUCTION_SAMPLES`: the compiler refuses a production job type without
 * one), test jobs active, waiting, delayed and in a paused queue, their dead-letter entries, and
 * jobs an upstream system's own worker left with a secret in every text they hold.
 */
import { randomBytes } from 'node:crypto';

import { Worker } from 'bullmq';

import type { EnqueuedJob, EnqueueJob } from '../../src/jobs/define-job.ts';
import type { QueueName } from '../../src/jobs/queues.ts';
import type { jobContracts } from '../../src/jobs/registry.ts';
import { discover } from '../../src/jobs/discover/contract.ts';
import { heartbeat } from '../../src/jobs/heartbeat/contract.ts';
import { deactivateOldKey, deleteOldKey, rotate } from '../../src/jobs/rotate/contract.ts';
import { heartbeatSweep } from '../../src/jobs/heartbeat-sweep/contract.ts';
import { rotationSweep } from '../../src/jobs/rotation-sweep/contract.ts';
import { scheduleTicks } from '../../src/jobs/schedule-tick/contract.ts';
import { validateProvider } from '../../src/jobs/validate-provider/contract.ts';
import type { QueueSet } from '../../src/producers/create-queues.ts';
import type { RedisConnection } from '../../src/queue/redis-connections.ts';
import { custom } from './domain.ts';
import { testEcho, testLongRunning, testShortDeadline } from './test-jobs.ts';
import { waitFor } from './wait-for.ts';

/** bull-board's name for a job's state in its queue view. */
export type BoardStatus = 'active' | 'waiting' | 'delayed' | 'completed' | 'failed';

export interface SceneJob {
  queue: QueueName;
  jobId: string;
  name: string;
  status: BoardStatus;
  /** Texts its views must show: its result, its failure reason, a scrubbed field. */
  shows: string[];
  /** Whether it has log lines and progress (its detail view opens those tabs). */
  hasLogs?: boolean;
}

export interface SceneContext {
  /** The api, e.g. http://127.0.0.1:41234 */
  api: string;
  adminToken: string;
  sandbox: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  /** The producer, as an upstream system enqueues (none of the HTTP routes' checks). */
  enqueue: EnqueueJob;
  queues: QueueSet;
  connection: RedisConnection;
  bullPrefix: string;
}

/** What an operator must see of one production job type, completed and failed. */
interface ProductionSample {
  /**
   * Enqueues a job of this type that completes, and says what its result shows; none for a
   * job whose handler is not written yet (it can only fail, `not_implemented`).
   */
  completed: ((context: SceneContext) => Promise<{ job: EnqueuedJob; shows: string[] }>) | null;
  /** Enqueues a job of this type that fails for good, and says what its failure shows. */
  failed: (context: SceneContext) => Promise<{ job: EnqueuedJob; shows: string[] }>;
}

async function call(context: SceneContext, method: 'PUT' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${context.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${context.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) {
    throw new Error(`${method} ${path}: ${response.status} ${text}`);
  }
  return JSON.parse(text) as unknown;
}

/** The name of every production job type. */
type ProductionJobName = (typeof jobContracts)[number]['name'];

export const PRODUCTION_SAMPLES: Record<ProductionJobName, ProductionSample> = {
  'validate-provider': {
    // Through the API, as an operator adds and checks a provider.
    completed: async (context) => {
      const { endpoint, region, accessKeyId, secretAccessKey } = context.sandbox;
      await call(context, 'PUT', '/v1/providers/prod', {
        region,
        endpoints: { iam: endpoint },
        credential: custom({ accessKeyId, secretAccessKey }),
      });
      const job = (await call(context, 'POST', '/v1/providers/prod/validate')) as EnqueuedJob;
      return { job, shows: ['ready'] };
    },
    // An upstream system's request for a provider that is gone by the time it runs.
    failed: async (context) => ({
      job: await context.enqueue(validateProvider, { provider: 'gone' }),
      shows: ['not_found: provider "gone" does not exist'],
    }),
  },
  discover: {
    // Through the API, after validate-provider's sample added the provider.
    completed: async (context) => ({
      job: (await call(context, 'POST', '/v1/providers/prod/discover')) as EnqueuedJob,
      shows: ['accessKeys'],
    }),
    failed: async (context) => ({
      job: await context.enqueue(discover, { provider: 'gone' }),
      shows: ['not_found: provider "gone" does not exist'],
    }),
  },
  heartbeat: {
    // The sandbox's own admin, managed with its key adopted: in sync.
    completed: async (context) => {
      const { accessKeyId, secretAccessKey } = context.sandbox;
      await call(context, 'PUT', '/v1/providers/prod/accounts/sandbox-admin/access-key', {
        accessKeyId,
        adoptSecret: { accessKeyId, secretAccessKey },
      });
      const path = '/v1/providers/prod/accounts/sandbox-admin/access-key/heartbeat';
      return { job: (await call(context, 'POST', path)) as EnqueuedJob, shows: ['in_sync'] };
    },
    failed: async (context) => ({
      job: await context.enqueue(heartbeat, {
        provider: 'gone',
        userName: 'alice',
        kind: 'access-key',
      }),
      shows: ['not_found: account gone/alice/access-key is not managed'],
    }),
  },
  rotate: {
    // The test worker rotates access keys with the test kind (test-rotation-kind.ts); the
    // heartbeat's sample manages this account.
    completed: async (context) => {
      const job = await context.enqueue(rotate, {
        provider: 'prod',
        userName: 'sandbox-admin',
        kind: 'access-key',
      });
      return { job, shows: ['rotationId'] };
    },
    // No account manages the admin's password: the job fails before anything is read.
    failed: async (context) => ({
      job: await context.enqueue(rotate, {
        provider: 'prod',
        userName: 'sandbox-admin',
        kind: 'password',
      }),
      shows: ['not_found: account prod/sandbox-admin/password is not managed'],
    }),
  },
  'deactivate-old-key': {
    // A key the account is not retiring (heartbeat's sample manages the account): skipped.
    completed: async (context) => ({
      job: await context.enqueue(deactivateOldKey, {
        provider: 'prod',
        userName: 'sandbox-admin',
        accessKeyId: 'AKIAOLDKEY0000000001',
      }),
      shows: ['not_previous'],
    }),
    failed: async (context) => ({
      job: await context.enqueue(deactivateOldKey, {
        provider: 'gone',
        userName: 'alice',
        accessKeyId: 'AKIAOLDKEY0000000001',
      }),
      shows: ['not_found: account gone/alice/access-key is not managed'],
    }),
  },
  'delete-old-key': {
    // A key the account is not retiring (heartbeat's sample manages the account): skipped.
    completed: async (context) => ({
      job: await context.enqueue(deleteOldKey, {
        provider: 'prod',
        userName: 'sandbox-admin',
        accessKeyId: 'AKIAOLDKEY0000000001',
      }),
      shows: ['not_previous'],
    }),
    failed: async (context) => ({
      job: await context.enqueue(deleteOldKey, {
        provider: 'gone',
        userName: 'alice',
        accessKeyId: 'AKIAOLDKEY0000000001',
      }),
      shows: ['not_found: account gone/alice/access-key is not managed'],
    }),
  },
  'heartbeat-sweep': {
    // After heartbeat's sample managed an account: its heartbeat is delayed into its slot.
    completed: async (context) => ({
      job: await context.enqueue(heartbeatSweep, { provider: 'prod' }),
      shows: ['spreadMs'],
    }),
    failed: async (context) => ({
      job: await context.enqueue(heartbeatSweep, { provider: 'gone' }),
      shows: ['not_found: provider "gone" does not exist'],
    }),
  },
  'rotation-sweep': {
    // The account was imported just now: none is due.
    completed: async (context) => ({
      job: await context.enqueue(rotationSweep, { provider: 'prod' }),
      shows: ['requested'],
    }),
    failed: async (context) => ({
      job: await context.enqueue(rotationSweep, { provider: 'gone' }),
      shows: ['not_found: provider "gone" does not exist'],
    }),
  },
  'schedule-tick': {
    // What prod's rotation scheduler fires: it enqueues a rotation sweep.
    completed: async (context) => ({
      job: await context.enqueue(scheduleTicks['rotation-sweep'], {
        provider: 'prod',
        job: 'rotation-sweep',
      }),
      shows: ['enqueued'],
    }),
    // A foreign producer's tick on the wrong queue: refused as it is, never run.
    failed: async (context) => {
      const added = await context.queues
        .get('rotation')
        .add('schedule-tick', { provider: 'prod', job: 'discover' });
      return { job: { queue: 'rotation', jobId: added.id ?? '' }, shows: ['invalid_payload'] };
    },
  },
};

async function stateOf(context: SceneContext, job: EnqueuedJob): Promise<string> {
  return context.queues.get(job.queue).getJobState(job.jobId);
}

function reached(context: SceneContext, job: EnqueuedJob, state: string): Promise<EnqueuedJob> {
  return waitFor(`${job.queue}/${job.jobId} ${state}`, async () =>
    (await stateOf(context, job)) === state ? job : undefined,
  );
}

/** Every production job type, completed and failed, by the worker. */
export async function runProductionSamples(context: SceneContext): Promise<SceneJob[]> {
  const jobs: SceneJob[] = [];
  for (const [name, sample] of Object.entries(PRODUCTION_SAMPLES)) {
    for (const status of ['completed', 'failed'] as const) {
      const enqueue = sample[status];
      if (enqueue === null) {
        continue;
      }
      const { job, shows } = await enqueue(context);
      await reached(context, job, status);
      jobs.push({ ...job, name, status, shows });
    }
  }
  return jobs;
}

/**
 * Test jobs in the other states: on `validate` (one job at a time per queue in the scene's
 * worker) one completed with progress, one failed for good, one delayed, one that keeps
 * running and one waiting behind it; on `heartbeat`, paused, one waiting.
 */
export async function runTestJobsInEveryState(
  context: SceneContext,
): Promise<{ jobs: SceneJob[]; paused: QueueName[] }> {
  const { enqueue } = context;
  const echo = await enqueue(testEcho, { provider: 'prod', key: 'echo', progressSteps: 2 });
  const refused = await enqueue(testEcho, { provider: 'prod', key: 'refused', permanent: true });
  await reached(context, echo, 'completed');
  await reached(context, refused, 'failed');
  const later = await enqueue(testEcho, { provider: 'prod', key: 'later' }, { delayMs: 3_600_000 });
  const running = await enqueue(testLongRunning, {
    provider: 'prod',
    key: 'running',
    sleepMs: 600_000,
  });
  await reached(context, running, 'active');
  const queued = await enqueue(testEcho, { provider: 'prod', key: 'queued' });
  await context.queues.get('heartbeat').pause();
  const held = await enqueue(testShortDeadline, { provider: 'prod', key: 'held' });
  const failure = 'needs_decision: test job refused cannot go on';
  return {
    jobs: [
      { ...echo, name: testEcho.name, status: 'completed', shows: ['echo'] },
      { ...refused, name: testEcho.name, status: 'failed', shows: [failure] },
      { ...later, name: testEcho.name, status: 'delayed', shows: ['later'] },
      { ...running, name: testLongRunning.name, status: 'active', shows: ['running'] },
      { ...queued, name: testEcho.name, status: 'waiting', shows: ['queued'] },
      { ...held, name: testShortDeadline.name, status: 'waiting', shows: ['held'] },
    ],
    paused: ['heartbeat'],
  };
}

/** The dead-letter entries of `failures` jobs, once the worker has copied them all. */
export async function deadLetterEntries(
  context: SceneContext,
  failures: number,
): Promise<SceneJob[]> {
  const entries = await waitFor('the dead-letter entries', async () => {
    const waiting = await context.queues.get('dead-letter').getWaiting();
    return waiting.length >= failures ? waiting : undefined;
  });
  return entries.map((entry) => ({
    queue: 'dead-letter',
    jobId: entry.id ?? '',
    name: entry.name,
    status: 'waiting',
    shows: [(entry.data as { reason: string }).reason],
  }));
}

/**
 * Two jobs on `queue` run by a worker that is not ours (before ours starts, so nothing races
 * it): one completed, one failed, each with a secret in its data, progress, logs, and result
 * or failure text. Returns them and the secrets.
 */
export async function plantUpstreamJobs(
  context: SceneContext,
  queue: QueueName,
): Promise<{ jobs: SceneJob[]; secrets: string[] }> {
  const secret = (where: string) => `planted-${where}-${randomBytes(8).toString('hex')}`;
  const upstream = new Worker(queue, null, {
    connection: context.connection,
    prefix: context.bullPrefix,
    autorun: false,
  });
  const token = 'upstream-worker';
  const jobs: SceneJob[] = [];
  const secrets: string[] = [];
  try {
    for (const status of ['completed', 'failed'] as const) {
      const planted = { data: secret('data'), progress: secret('progress'), log: secret('log') };
      const outcome = secret(status === 'completed' ? 'result' : 'failure');
      secrets.push(...Object.values(planted), outcome);
      await context.queues.get(queue).add(testEcho.name, {
        provider: 'prod',
        key: `upstream-${status}`,
        secretAccessKey: planted.data,
      });
      const job = await upstream.getNextJob(token, { block: false });
      if (job?.id === undefined) {
        throw new Error(`the upstream worker found no job on ${queue}`);
      }
      await job.updateProgress({ step: 'create_sent', password: planted.progress });
      await job.log(`CreateAccessKey answered SecretAccessKey=${planted.log}`);
      await job.log('the new key is stored');
      if (status === 'completed') {
        await job.moveToCompleted(
          { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: outcome },
          token,
          false,
        );
      } else {
        await job.moveToFailed(
          new Error(
            `internal: CreateAccessKey answered {"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"${outcome}"}`,
          ),
          token,
          false,
        );
      }
      jobs.push({
        queue,
        jobId: job.id,
        name: testEcho.name,
        status,
        shows: ['[Redacted]', ...(status === 'failed' ? ['internal: CreateAccessKey'] : [])],
        hasLogs: true,
      });
    }
  } finally {
    await upstream.close();
  }
  return { jobs, secrets };
}
