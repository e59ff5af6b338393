/**
 * `npm run bench -- discovery`: one discovery of 10,000 users on the sandbox (5 ms per call)
 * at a 500 req/s budget, by a real worker process: calls (pages + users: none wasted), wall
 * time against the lower bound calls ÷ budget, the worker's peak RSS during the run, and the
 * Redis bytes per user of the snapshot it leaves.
 */
import { discover } from '../src/jobs/discover/contract.ts';
import { waitForJob } from '../src/producers/wait-for-job.ts';
import { createRedisConnection } from '../src/queue/redis-connections.ts';
import { createLogger } from '../src/logger.ts';
import type { Bench, BenchRow } from './bench.ts';
import { boundRows, cpuRows, PROVIDER, startWorkerBench } from './worker-bench-setup.ts';

const USERS = 10_000;
const BUDGET = 500;
const LATENCY_MS = 5;

export const discoveryBench: Bench = {
  name: 'discovery',
  description: `one discovery of ${USERS} users on the sandbox (${LATENCY_MS} ms per call) at ${BUDGET} req/s, one worker process`,
  async run(log) {
    const bench = await startWorkerBench({
      seedUsers: USERS,
      latencyMs: LATENCY_MS,
      maxRps: BUDGET,
      log,
    });
    try {
      const worker = await bench.startWorker('discovery');
      const idleRss = bench.workerRssMb();
      const since = bench.sandbox.requests().at(-1)?.seq ?? 0;
      const measuring = bench.measure();
      const job = await bench.enqueue(discover, { provider: PROVIDER });
      const status = await waitForJob(
        {
          queues: bench.queues,
          keys: bench.keys,
          connect: () =>
            createRedisConnection(
              bench.config.redis,
              'worker',
              createLogger({ level: 'silent', stream: 'stderr' }),
            ),
        },
        job,
        { timeoutMs: 600_000, onProgress: (p) => log(`progress ${JSON.stringify(p)}`) },
      );
      const measures = measuring.stop();
      if (status.state !== 'completed') {
        throw new Error(
          `the discovery ${status.state}: ${status.failedReason ?? ''} ${worker.stderr()}`,
        );
      }
      const result = status.result as { users: number; accessKeys: number; partial: boolean };
      const sent = bench.sandbox.requests(since);
      const pages = sent.filter((r) => r.action === 'ListUsers').length;
      const listed = sent.filter((r) => r.action === 'ListAccessKeys').length;
      const snapshotBytes = Number(
        await bench.redis.call(
          'MEMORY',
          'USAGE',
          bench.keys.discoverySnapshot(PROVIDER, '/'),
          'SAMPLES',
          '0',
        ),
      );
      log(`discovered ${result.users} users, ${result.accessKeys} keys, partial ${result.partial}`);
      const rows: BenchRow[] = [
        ...boundRows({
          what: `discovery of ${result.users} users`,
          calls: sent.length,
          callNotes: `${pages} ListUsers pages + ${listed} ListAccessKeys; pages + users = ${pages + result.users} (${sent.length === pages + result.users ? 'no call wasted' : 'calls WASTED'}); partial ${result.partial}`,
          budget: BUDGET,
          wallSeconds: measures.wallSeconds,
          goal: 1.1,
        }),
        ...cpuRows({ what: 'discovery', calls: sent.length, ...measures }),
        {
          measure: 'discovery: worker RSS, peak during the run',
          value: measures.peakRssMb,
          unit: 'MB',
          notes: `goal ≤ 200; ${idleRss.toFixed(0)} MB idle before it; the built \`bin/iam-pam.js worker\`, sampled every 100 ms`,
        },
        {
          measure: 'discovery: Redis bytes per user of the snapshot',
          value: snapshotBytes / result.users,
          unit: 'B',
          notes: `goal ≤ 1024; MEMORY USAGE of the snapshot hash (${(snapshotBytes / 1024 / 1024).toFixed(2)} MB) ÷ ${result.users} users`,
        },
      ];
      return rows;
    } finally {
      await bench.close();
    }
  },
};
