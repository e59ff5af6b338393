/**
 * What the discovery and heartbeat benchmarks share: a Redis (REDIS_URL, or a private
 * redis-server), an in-process sandbox with latency, a provider on it with a budget, a real
 * worker process (the built `bin/iam-pam.js worker`, as deployed: dist/ is rebuilt first when
 * src/ is newer) whose resident memory is sampled, and the producer side (enqueue, job waits).
 * `close()` removes every key under the bench's prefix. BENCH_WORKER_NODE_OPTIONS becomes the
 * workers' NODE_OPTIONS, to look inside one (`--import` a probe, `--heapsnapshot-signal=…`);
 * the figures the README shows are taken without it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { Redis } from 'ioredis';

import type { AccountRecord } from '../src/accounts/account-store.ts';
import { type AppConfig, loadConfig } from '../src/config/load-config.ts';
import { createDomain, type Domain } from '../src/domain.ts';
import { createKeys, type Keys } from '../src/keys.ts';
import { createLogger } from '../src/logger.ts';
import type { EnqueueJob } from '../src/jobs/define-job.ts';
import { createEnqueue } from '../src/producers/create-enqueue.ts';
import { createQueues, type QueueSet } from '../src/producers/create-queues.ts';
import { createRedisConnection, type RedisConnection } from '../src/queue/redis-connections.ts';
import { createSandbox, type Sandbox } from '../src/sandbox/create-sandbox.ts';
import { deletePrefix } from '../test/support/redis.ts';
import { startRedisServer } from '../test/support/redis-server.ts';
import { waitFor } from '../test/support/wait-for.ts';

export interface WorkerBench {
  sandbox: Sandbox;
  config: AppConfig;
  keys: Keys;
  redis: Redis;
  domain: Domain;
  queues: QueueSet;
  enqueue: EnqueueJob;
  producer: RedisConnection;
  /** Starts the worker process on these queues (once the data is in place). */
  startWorker(queues: string, env?: Record<string, string>): Promise<WorkerChild>;
  /** The largest worker's resident memory now, in MB (Linux /proc). */
  workerRssMb(): number;
  /**
   * Starts measuring a run: wall time, CPU of the workers (Linux /proc, 100 ticks/s) and of
   * this process (the sandbox), and the workers' RSS sampled every 100 ms (the peak of any).
   */
  measure(): { stop(): RunMeasures };
  close(): Promise<void>;
}

export const PROVIDER = 'bench';

export interface RunMeasures {
  wallSeconds: number;
  workerCpuSeconds: number;
  benchCpuSeconds: number;
  peakRssMb: number;
}

export interface WorkerChild {
  pid: number;
  stderr(): string;
  exited(): boolean;
  /** How it ended and the tails of its stderr and stdout. */
  lastWords(): string;
  stop(): Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/ as `npm run build` leaves it, rebuilt when a source file is newer. */
function ensureBuilt(log: (line: string) => void): void {
  if (existsSync('dist/main.js') && statSync('dist/main.js').mtimeMs >= newestMtime('src')) {
    return;
  }
  log('src/ is newer than dist/: npm run build first');
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (built.status !== 0) {
    throw new Error('npm run build failed');
  }
}

/** `bin/iam-pam.js worker` with its JSON log on stdout; resolves once it is ready. */
async function spawnWorker(args: string[], env: Record<string, string>): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['bin/iam-pam.js', 'worker', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let tail = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    // Only the start-up lines matter; the rest is dropped so a long run keeps no log in memory.
    if (stdout.length < 100_000) {
      stdout += chunk.toString();
    }
    tail = (tail + chunk.toString()).slice(-3_000);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-5_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    'the worker to be ready',
    () => {
      if (child.exitCode !== null) {
        throw new Error(`the worker exited with ${child.exitCode}: ${stderr}`);
      }
      return stdout.includes('"worker ready"') ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return {
    pid: child.pid ?? 0,
    stderr: () => stderr,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    lastWords: () =>
      `exit ${child.exitCode ?? child.signalCode ?? 'none'}; stderr ends: ${stderr}; stdout ends: ${tail}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startWorkerBench(options: {
  seedUsers: number;
  latencyMs: number;
  maxRps: number;
  log: (line: string) => void;
}): Promise<WorkerBench> {
  const server = process.env.REDIS_URL === undefined ? await startRedisServer() : undefined;
  const url = process.env.REDIS_URL ?? server?.url ?? '';
  options.log(`Redis: ${server ? `private redis-server ${server.version}` : url}`);
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const env = {
    REDIS_URL: url,
    IAM_PAM_PREFIX: prefix,
    IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64'),
    IAM_PAM_WORKER_HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const keys = createKeys(prefix);
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const seedStart = performance.now();
  const sandbox = await createSandbox({
    seedUsers: options.seedUsers,
    latencyMs: options.latencyMs,
  });
  options.log(
    `sandbox: ${options.seedUsers} users seeded in ${(performance.now() - seedStart).toFixed(0)} ms, ${options.latencyMs} ms latency per call`,
  );
  const domain = createDomain({ config, redis });
  await domain.providers.put(
    PROVIDER,
    {
      region: sandbox.region,
      endpoints: { iam: sandbox.endpoint },
      credential: {
        type: 'custom',
        accessKeyId: sandbox.adminCredentials.accessKeyId,
        secretAccessKey: sandbox.adminCredentials.secretAccessKey,
      },
      maxRps: options.maxRps,
    },
    'bench',
  );
  const log = createLogger({ level: 'silent', stream: 'stderr' });
  const producer = createRedisConnection(config.redis, 'producer', log);
  const queues = createQueues(producer, keys);
  ensureBuilt(options.log);
  const workers: WorkerChild[] = [];
  /** The largest worker's RSS. */
  const rssOf = () =>
    Math.max(
      0,
      ...workers.map((w) => {
        if (w.exited()) {
          throw new Error(`worker ${w.pid} exited: ${w.lastWords()}`);
        }
        const status = readFileSync(`/proc/${w.pid}/status`, 'utf8');
        return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      }),
    );
  return {
    sandbox,
    config,
    keys,
    redis,
    domain,
    queues,
    producer,
    enqueue: createEnqueue({ queues }),
    async startWorker(queueList, extra = {}) {
      const worker = await spawnWorker(['--queues', queueList], {
        ...env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LOG_LEVEL: 'info',
        ...(process.env.BENCH_WORKER_NODE_OPTIONS === undefined
          ? {}
          : { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS }),
        ...extra,
      });
      workers.push(worker);
      return worker;
    },
    workerRssMb: rssOf,
    measure() {
      const workerCpu = () =>
        workers.reduce((sum, w) => {
          const stat = readFileSync(`/proc/${w.pid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return sum + (Number(fields[11]) + Number(fields[12])) / 100;
        }, 0);
      const started = { at: performance.now(), worker: workerCpu(), bench: process.cpuUsage() };
      let peak = rssOf();
      const timer = setInterval(() => {
        peak = Math.max(peak, rssOf());
      }, 100);
      return {
        stop() {
          clearInterval(timer);
          const bench = process.cpuUsage(started.bench);
          return {
            wallSeconds: (performance.now() - started.at) / 1000,
            workerCpuSeconds: workerCpu() - started.worker,
            benchCpuSeconds: (bench.user + bench.system) / 1e6,
            peakRssMb: Math.max(peak, rssOf()),
          };
        },
      };
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await queues.close();
      producer.disconnect();
      domain.close();
      await sandbox.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      server?.stop();
    },
  };
}

/**
 * CPU the run took, in the workers and in this process (the sandbox answering every call): on
 * a busy machine these say whether the bound was out of reach for want of CPU.
 */
export function cpuRows(options: { what: string; calls: number } & RunMeasures) {
  const perCall = (seconds: number) => ((seconds * 1000) / options.calls).toFixed(2);
  return [
    {
      measure: `${options.what}: worker CPU`,
      value: options.workerCpuSeconds,
      unit: 's',
      notes: `${perCall(options.workerCpuSeconds)} ms per call; ${((options.workerCpuSeconds / options.wallSeconds) * 100).toFixed(0)}% of one core over the wall time`,
    },
    {
      measure: `${options.what}: sandbox CPU`,
      value: options.benchCpuSeconds,
      unit: 's',
      notes: `${perCall(options.benchCpuSeconds)} ms per call, in the bench process (sandbox, SigV4 checks, request log)`,
    },
  ];
}

/** The rows every IAM benchmark prints: calls, budget, lower bound, wall time and their ratio. */
export function boundRows(options: {
  what: string;
  calls: number;
  callNotes: string;
  budget: number;
  wallSeconds: number;
  goal: number;
}) {
  const bound = options.calls / options.budget;
  const ratio = options.wallSeconds / bound;
  return [
    {
      measure: `${options.what}: IAM+STS calls`,
      value: options.calls,
      unit: 'calls',
      notes: options.callNotes,
    },
    {
      measure: `${options.what}: budget`,
      value: options.budget,
      unit: 'req/s',
      notes: "the provider's maxRps (IAM and STS alike)",
    },
    { measure: `${options.what}: lower bound`, value: bound, unit: 's', notes: 'calls ÷ budget' },
    {
      measure: `${options.what}: wall`,
      value: options.wallSeconds,
      unit: 's',
      notes: 'from the enqueue to the last job completed',
    },
    {
      measure: `${options.what}: wall ÷ bound`,
      value: Number(ratio.toFixed(3)),
      unit: '×',
      notes: `goal ≤ ${options.goal.toFixed(2)} (${ratio <= options.goal ? 'met' : 'NOT met'}); the budget's own 1% safety margin makes 1.01 the floor`,
    },
  ];
}

/**
 * `count` seeded users of the sandbox with exactly one key, Active, made managed accounts of
 * the bench's provider with the key's secret in the vault (about 45% of seeded users qualify).
 */
export async function manageSeededAccessKeys(
  bench: WorkerBench,
  count: number,
  log: (line: string) => void,
): Promise<string[]> {
  const iam = new IAMClient({
    region: bench.sandbox.region,
    endpoint: bench.sandbox.endpoint,
    credentials: bench.sandbox.adminCredentials,
  });
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListUsersCommand({ MaxItems: 1000, Marker: marker }));
    names.push(...(page.Users ?? []).map((u) => u.UserName ?? ''));
    marker = page.Marker;
  } while (marker !== undefined);
  iam.destroy();
  const chosen = names
    .map((name) => bench.sandbox.user(name))
    // Not the bootstrap administrator, whose key signs the provider's calls.
    .filter(
      (u) =>
        u?.accessKeys.length === 1 &&
        u.accessKeys[0]?.status === 'Active' &&
        u.accessKeys[0].accessKeyId !== bench.sandbox.adminCredentials.accessKeyId,
    )
    .slice(0, count);
  if (chosen.length < count) {
    throw new Error(`only ${chosen.length} seeded users have exactly one Active key`);
  }
  const started = performance.now();
  for (let i = 0; i < chosen.length; i += 500) {
    await Promise.all(
      chosen.slice(i, i + 500).map(async (user) => {
        const key = user?.accessKeys[0];
        if (user === undefined || key === undefined) {
          return;
        }
        const now = new Date().toISOString();
        const record: AccountRecord = {
          account: `${PROVIDER}/${user.userName}/access-key`,
          provider: PROVIDER,
          userName: user.userName,
          kind: 'access-key',
          status: 'managed',
          userId: user.userId,
          currentAccessKeyId: key.accessKeyId,
          secretKnown: true,
          importedAt: now,
          updatedAt: now,
        };
        await bench.domain.vault.put(
          `${PROVIDER}/${user.userName.toLowerCase()}/access-key`,
          'current',
          { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
          { actor: 'bench' },
        );
        await bench.domain.accounts.create(record);
      }),
    );
  }
  log(
    `${chosen.length} accounts managed (vault and records) in ${(performance.now() - started).toFixed(0)} ms`,
  );
  return chosen.map((u) => u?.userName ?? '');
}
