/**
 * `npm run bench -- rotation`: 1,000 access-key rotations (the production kind, default policy:
 * no overlap, no grace, so each retires its old key inside the rotation) by BENCH_WORKERS
 * (default 2) worker processes on the sandbox (5 ms per call) at a 50 req/s budget: IAM and
 * STS calls counted from the sandbox's request log (per rotation, by action), wall time against
 * the lower bound calls ÷ budget, and every account checked afterwards (one Active key, the
 * vault's current, not the old one).
 */
import { rotate } from '../src/jobs/rotate/contract.ts';
import { createEnqueueBulk } from '../src/producers/enqueue-bulk.ts';
import type { Bench } from './bench.ts';
import {
  boundRows,
  cpuRows,
  manageSeededAccessKeys,
  PROVIDER,
  startWorkerBench,
} from './worker-bench-setup.ts';

const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 1_000);
const BUDGET = 50;
const LATENCY_MS = 5;
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);

export const rotationBench: Bench = {
  name: 'rotation',
  description: `${ROTATIONS} access-key rotations on the sandbox (${LATENCY_MS} ms per call) at ${BUDGET} req/s, ${WORKERS} worker processes`,
  async run(log) {
    const bench = await startWorkerBench({
      seedUsers: Math.ceil(ROTATIONS * 2.4),
      latencyMs: LATENCY_MS,
      maxRps: BUDGET,
      log,
    });
    try {
      const userNames = await manageSeededAccessKeys(bench, ROTATIONS, log);
      const oldKeys = new Map(
        userNames.map((name) => [name, bench.sandbox.user(name)?.accessKeys[0]?.accessKeyId]),
      );
      for (let i = 0; i < WORKERS; i += 1) {
        await bench.startWorker('rotation', { IAM_PAM_CONCURRENCY: '32' });
      }
      const since = bench.sandbox.requests().at(-1)?.seq ?? 0;
      const queue = bench.queues.get('rotation');
      const measuring = bench.measure();
      const started = performance.now();
      await createEnqueueBulk({ queues: bench.queues })(
        rotate,
        userNames.map((userName) => ({
          provider: PROVIDER,
          userName,
          kind: 'access-key' as const,
          reason: 'bench',
        })),
      );
      let lastLog = performance.now();
      for (;;) {
        const [completed, failed] = await Promise.all([
          queue.getCompletedCount(),
          queue.getFailedCount(),
        ]);
        if (failed > 0) {
          const [first] = await queue.getFailed(0, 0);
          throw new Error(`${failed} rotations failed, e.g. ${first?.failedReason ?? '?'}`);
        }
        if (completed >= ROTATIONS) {
          break;
        }
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`${completed} rotations done after ${((lastLog - started) / 1000).toFixed(0)} s`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const measures = measuring.stop();
      const sent = bench.sandbox.requests(since);
      const byAction = new Map<string, number>();
      for (const request of sent) {
        byAction.set(request.action ?? '?', (byAction.get(request.action ?? '?') ?? 0) + 1);
      }
      const throttled = sent.filter((r) => r.code === 'Throttling').length;
      const wrong = userNames.filter((name) => {
        const keys = bench.sandbox.user(name)?.accessKeys ?? [];
        return (
          keys.length !== 1 ||
          keys[0]?.status !== 'Active' ||
          keys[0].accessKeyId === oldKeys.get(name)
        );
      });
      if (wrong.length > 0) {
        throw new Error(`${wrong.length} accounts not rotated as expected, e.g. ${wrong[0]}`);
      }
      const polls = byAction.get('GetCallerIdentity') ?? 0;
      const perRotation = [...byAction]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([action, n]) => `${action} ${(n / ROTATIONS).toFixed(2)}`)
        .join(', ');
      log(`calls per rotation by action: ${perRotation}; ${throttled} Throttling answers`);
      return [
        {
          measure: 'rotation: IAM calls per rotation (verify polls apart)',
          value: (sent.length - polls) / ROTATIONS,
          unit: 'calls',
          notes: `goal ≤ 8; plus ${(polls / ROTATIONS).toFixed(2)} GetCallerIdentity (verify) per rotation`,
        },
        ...boundRows({
          what: `${ROTATIONS} rotations`,
          calls: sent.length,
          callNotes: `from the sandbox's request log: ${perRotation} per rotation; ${throttled} Throttling; all ${ROTATIONS} accounts end with one new Active key`,
          budget: BUDGET,
          wallSeconds: measures.wallSeconds,
          goal: 1.1,
        }),
        ...cpuRows({ what: 'rotation', calls: sent.length, ...measures }),
        {
          measure: 'rotation: worker RSS, peak during the run',
          value: measures.peakRssMb,
          unit: 'MB',
          notes: `${WORKERS} worker process(es) (BENCH_WORKERS), IAM_PAM_CONCURRENCY 32`,
        },
      ];
    } finally {
      await bench.close();
    }
  },
};
