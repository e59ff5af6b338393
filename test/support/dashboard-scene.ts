/**
 * The Bull dashboard as an operator finds it: the api listening on 127.0.0.1, a real worker
 * process, the IAM sandbox in this process, and jobs in every state the dashboard shows
 * (dashboard-jobs.ts). Everything is started on the caller's Redis prefix and stopped by
 * `close()`.
 */
import { randomBytes } from 'node:crypto';

import { startApiRuntime } from '../../src/app/api-runtime.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { QUEUE_NAMES, type QueueName } from '../../src/jobs/queues.ts';
import { jobContracts } from '../../src/jobs/registry.ts';
import { createKeys } from '../../src/keys.ts';
import { createLogger } from '../../src/logger.ts';
import { createEnqueue } from '../../src/producers/create-enqueue.ts';
import { createQueues, type QueueSet } from '../../src/producers/create-queues.ts';
import { createIdempotencyStore } from '../../src/queue/idempotency-store.ts';
import { createRedisConnection } from '../../src/queue/redis-connections.ts';
import {
  deadLetterEntries,
  plantUpstreamJobs,
  runProductionSamples,
  runTestJobsInEveryState,
  type SceneContext,
  type SceneJob,
} from './dashboard-jobs.ts';
import { freePort } from './free-port.ts';
import { startSandboxBackend } from './sandbox-backend.ts';
import { testContracts } from './test-jobs.ts';
import { startWorkerProcess } from './worker-process.ts';

export type { BoardStatus, SceneJob } from './dashboard-jobs.ts';

/** A token as a browser signs in with it: basic auth with the token's name and the token. */
export interface DashboardLogin {
  name: string;
  token: string;
}

export const LOGINS = ['reader', 'admin'] as const;
export type LoginName = (typeof LOGINS)[number];

export interface DashboardScene {
  /** The api, e.g. http://127.0.0.1:41234 */
  url: string;
  /** A token with `read` (the read-only board) and one with `admin`. */
  logins: Record<LoginName, DashboardLogin>;
  jobs: SceneJob[];
  /** Queues paused on purpose. */
  paused: QueueName[];
  /** The job schedulers the provider's policy made (`prod:discover`, …). */
  schedulers: string[];
  /** Every value that must never appear on the dashboard (credentials, tokens, planted secrets). */
  secrets: string[];
  queues: QueueSet;
  close(): Promise<void>;
}

export async function startDashboardScene(options: {
  redisUrl: string;
  prefix: string;
}): Promise<DashboardScene> {
  const logins = {
    reader: { name: 'reader', token: `reader-${randomBytes(12).toString('hex')}` },
    admin: { name: 'ops', token: `admin-${randomBytes(12).toString('hex')}` },
  };
  const masterKey = randomBytes(32).toString('base64');
  const env = {
    REDIS_URL: options.redisUrl,
    IAM_PAM_PREFIX: options.prefix,
    IAM_PAM_MASTER_KEY: masterKey,
    IAM_PAM_API_TOKENS: `${logins.reader.name}:${logins.reader.token}:read,${logins.admin.name}:${logins.admin.token}:admin`,
    IAM_PAM_DEFAULT_MAX_RPS: '1000',
  };
  const config = loadConfig({
    ...env,
    IAM_PAM_HTTP_PORT: String(await freePort()),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
  const log = createLogger({ level: config.log.level, stream: 'stderr', service: 'api' });
  const keys = createKeys(options.prefix);
  const connection = createRedisConnection(config.redis, 'worker', log);
  const queues = createQueues(connection, keys);
  const closers: Array<() => Promise<unknown>> = [
    async () => connection.disconnect(),
    () => queues.close(),
  ];
  const close = async () => {
    for (const closer of closers.reverse()) {
      await closer();
    }
  };
  try {
    const backend = await startSandboxBackend();
    closers.push(() => backend.stop());
    const api = await startApiRuntime({
      config,
      log,
      contracts: [...jobContracts, ...testContracts],
    });
    closers.push(() => api.close());
    const context: SceneContext = {
      api: api.url ?? '',
      adminToken: logins.admin.token,
      sandbox: { endpoint: backend.endpoint ?? '', region: backend.region, ...backend.credentials },
      enqueue: createEnqueue({
        queues,
        idempotency: createIdempotencyStore({ redis: connection, keys }),
      }),
      queues,
      connection,
      bullPrefix: keys.bullPrefix,
    };

    const upstream = await plantUpstreamJobs(context, 'rotation');
    // One job at a time per queue, so a long-running job keeps the next one waiting.
    const worker = await startWorkerProcess({
      ...env,
      IAM_PAM_CONCURRENCY: '1',
      IAM_PAM_SHUTDOWN_TIMEOUT_S: '1',
    });
    closers.push(async () => {
      worker.child.kill('SIGTERM');
      await worker.exited;
    });
    const production = await runProductionSamples(context);
    const tests = await runTestJobsInEveryState(context);
    const jobs = [...upstream.jobs, ...production, ...tests.jobs];
    const failures = jobs.filter((job) => job.status === 'failed').length;
    jobs.push(...(await deadLetterEntries(context, failures)));
    // Written by the api when the samples put the provider `prod` (its default policy).
    const schedulers = (
      await Promise.all(
        QUEUE_NAMES.map(async (queue) =>
          (await queues.get(queue).getJobSchedulers()).map((s) => s.key),
        ),
      )
    ).flat();
    return {
      url: context.api,
      logins,
      jobs,
      paused: tests.paused,
      schedulers,
      secrets: [
        context.sandbox.secretAccessKey,
        masterKey,
        logins.reader.token,
        logins.admin.token,
        ...upstream.secrets,
      ],
      queues,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
