/**
 * `npm run bench -- heartbeat`: heartbeats of 10,000 in-sync access keys (each user has exactly
 * the key we manage, its secret in the vault) on the sandbox (5 ms per call) at a 500 req/s
 * budget, enqueued in bulk as a sweep will, run by BENCH_WORKERS (default 1) worker processes:
 * calls (one STS and one IAM per key), wall time against the lower bound calls ÷ budget, and
 * the workers' peak RSS.
 */
import { heartbeat } from '../src/jobs/heartbeat/contract.ts';
import { createEnqueueBulk } from '../src/producers/enqueue-bulk.ts';
import type { Bench } from './bench.ts';
import {
  boundRows,
  cpuRows,
  manageSeededAccessKeys,
  PROVIDER,
  startWorkerBench,
} from './worker-bench-setup.ts';

const ACCOUNTS = 10_000;
/** Seeded users with exactly one Active key are about 45%: enough of them for ACCOUNTS. */
const SEEDED = 23_000;
const BUDGET = 500;
const LATENCY_MS = 5;
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);

export const heartbeatBench: Bench = {
  name: 'heartbeat',
  description: `heartbeats of ${ACCOUNTS} in-sync access keys on the sandbox (${LATENCY_MS} ms per call) at ${BUDGET} req/s, ${WORKERS} worker process(es)`,
  async run(log) {
    const bench = await startWorkerBench({
      seedUsers: SEEDED,
      latencyMs: LATENCY_MS,
      maxRps: BUDGET,
      log,
    });
    try {
      const userNames = await manageSeededAccessKeys(bench, ACCOUNTS, log);
      for (let i = 0; i < WORKERS; i += 1) {
        await bench.startWorker('heartbeat', { IAM_PAM_CONCURRENCY: '64' });
      }
      const since = bench.sandbox.requests().at(-1)?.seq ?? 0;
      const queue = bench.queues.get('heartbeat');
      const enqueueBulk = createEnqueueBulk({ queues: bench.queues });
      const measuring = bench.measure();
      const started = performance.now();
      for (let i = 0; i < userNames.length; i += 1_000) {
        await enqueueBulk(
          heartbeat,
          userNames
            .slice(i, i + 1_000)
            .map((userName) => ({ provider: PROVIDER, userName, kind: 'access-key' as const })),
        );
      }
      const enqueuedSeconds = (performance.now() - started) / 1000;
      for (;;) {
        const [completed, failed] = await Promise.all([
          queue.getCompletedCount(),
          queue.getFailedCount(),
        ]);
        if (failed > 0) {
          throw new Error(`${failed} heartbeats failed`);
        }
        if (completed >= ACCOUNTS) {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const measures = measuring.stop();
      const sent = bench.sandbox.requests(since);
      const count = (action: string) => sent.filter((r) => r.action === action).length;
      const outOfSync = (await bench.domain.accounts.list(PROVIDER)).filter(
        (a) => a.lastHeartbeat?.verdict !== 'in_sync',
      );
      log(
        `enqueued ${ACCOUNTS} in ${enqueuedSeconds.toFixed(1)} s; ${outOfSync.length} verdicts other than in_sync`,
      );
      return [
        ...boundRows({
          what: `heartbeats of ${ACCOUNTS} in-sync keys`,
          calls: sent.length,
          callNotes: `${count('GetCallerIdentity')} GetCallerIdentity + ${count('ListAccessKeys')} ListAccessKeys (others: ${sent.length - count('GetCallerIdentity') - count('ListAccessKeys')}); ${ACCOUNTS - outOfSync.length} in_sync; enqueued with addBulk in ${enqueuedSeconds.toFixed(1)} s`,
          budget: BUDGET,
          wallSeconds: measures.wallSeconds,
          goal: 1.1,
        }),
        ...cpuRows({ what: 'heartbeat', calls: sent.length, ...measures }),
        {
          measure: 'heartbeat: worker RSS, peak during the run',
          value: measures.peakRssMb,
          unit: 'MB',
          notes: `${WORKERS} worker process(es) (BENCH_WORKERS), IAM_PAM_CONCURRENCY 64; the largest, sampled every 100 ms`,
        },
      ];
    } finally {
      await bench.close();
    }
  },
};
