/**
 * `npm run bench -- heartbeat`: heartbeats of 10,000 in-sync access keys (each user has exactly
 * the key we manage, its secret in the vault) on the sandbox (5 ms per call) at a 500 req/s
 * budget, enqueued in bulk as a sweep will, run by BENCH_WORKERS (default 1) worker processes:
 * calls (one STS and one IAM per key), wall time against the lower bound calls ÷ budget, and
 * the workers' peak RSS.
 */
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';

import type { AccountRecord } from '../src/accounts/account-store.ts';
import { heartbeat } from '../src/jobs/heartbeat/contract.ts';
import { createEnqueueBulk } from '../src/producers/enqueue-bulk.ts';
import type { Bench } from './bench.ts';
import {
  boundRows,
  cpuRows,
  PROVIDER,
  startWorkerBench,
  type WorkerBench,
} from './worker-bench-setup.ts';

const ACCOUNTS = 10_000;
/** Seeded users with exactly one Active key are about 45%: enough of them for ACCOUNTS. */
const SEEDED = 23_000;
const BUDGET = 500;
const LATENCY_MS = 5;
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);

/** Users of the sandbox with exactly one key, Active, managed with its secret in the vault. */
async function manageAccounts(bench: WorkerBench, log: (line: string) => void): Promise<string[]> {
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
    .filter((u) => u?.accessKeys.length === 1 && u.accessKeys[0]?.status === 'Active')
    .slice(0, ACCOUNTS);
  if (chosen.length < ACCOUNTS) {
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
      const userNames = await manageAccounts(bench, log);
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
