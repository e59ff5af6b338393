/**
 * Real worker processes: they share the work, a SIGKILLed one's job is taken over, SIGTERM
 * drains, a second SIGTERM exits at once, shutdown is bounded when Redis is gone, and each
 * serves its own /metrics and /healthz.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EnqueuedJob } from '../../src/jobs/define-job.ts';
import { useEngine } from '../support/engine.ts';
import { type IamStub, startIamStub } from '../support/iam-stub.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { releaseKey, runningKey, testEcho, testLocked } from '../support/test-jobs.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.ts';

// The producer side only: the workers are child processes.
const engine = useEngine({ noWorker: true });
const { redis, prefix } = engine.redis;
const started: WorkerProcess[] = [];
let stub: IamStub;

beforeAll(async () => {
  stub = await startIamStub();
  // The workers reach it with their environment's AWS settings.
  await engine.addProvider('prod', { endpoint: undefined, credentials: 'chain' });
});
afterAll(async () => {
  for (const worker of started) {
    worker.child.kill('SIGKILL');
  }
  await stub.close();
});

async function worker(env: Record<string, string> = {}, args: string[] = []) {
  const w = await startWorkerProcess(
    {
      ...engine.redis.env,
      AWS_ENDPOINT_URL: stub.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIASTUBWORKER000001',
      AWS_SECRET_ACCESS_KEY: 'stub-secret-for-workers',
      ...env,
    },
    args,
  );
  started.push(w);
  return w;
}

const runningPid = (key: string) =>
  waitFor(`job ${key} to start`, async () => {
    const pid = await redis.get(runningKey(prefix, key));
    return pid === null ? undefined : Number(pid);
  });

describe('worker processes', () => {
  it('share the work, and a SIGKILLed one’s job is completed by the other within seconds', async () => {
    const [a, b] = await Promise.all([
      worker({ IAM_PAM_CONCURRENCY: '2' }, ['--queues', 'validate']),
      worker({ IAM_PAM_CONCURRENCY: '2' }, ['--queues', 'validate']),
    ]);
    const jobs: EnqueuedJob[] = [];
    for (let i = 0; i < 12; i += 1) {
      jobs.push(
        await engine.enqueue(testEcho, {
          provider: 'prod',
          key: `share-${i}`,
          sleepMs: 150, // each job takes a moment, so both workers get some
          iamCalls: 1,
        }),
      );
    }
    const pids = new Set<unknown>();
    for (const job of jobs) {
      const status = await engine.finished(job);
      expect(status.state).toBe('completed');
      pids.add((status.result as { pid: number }).pid);
    }
    expect(pids).toEqual(new Set([a.child.pid, b.child.pid]));

    // It runs until released: killed while it surely runs, then free to finish on the survivor.
    const victim = await engine.enqueue(testEcho, {
      provider: 'prod',
      key: 'victim',
      holdUntilReleased: true,
    });
    const runner = await runningPid('victim');
    const [killed, survivor] = runner === a.child.pid ? [a, b] : [b, a];
    killed.child.kill('SIGKILL');
    const exit = await killed.exited;
    expect(exit.signal).toBe('SIGKILL');
    await redis.set(releaseKey(prefix, 'victim'), '1');
    const status = await engine.finished(victim, 15_000);
    expect(status).toMatchObject({
      state: 'completed',
      result: { pid: survivor.child.pid, run: 2 },
    });
    // Lock (2 s) + stalled check (1 s) + the run again, with room for a busy machine.
    expect(Date.now() - exit.at).toBeLessThan(9_000);

    // The survivor's own counters are real: jobs, durations, IAM calls, the stalled job.
    const metrics = await (await fetch(`http://127.0.0.1:${survivor.port}/metrics`)).text();
    expect(metrics).toMatch(
      /iam_pam_jobs_total\{queue="validate",name="test-echo",outcome="completed"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /iam_pam_job_duration_seconds_count\{queue="validate",name="test-echo",outcome="completed"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /iam_pam_iam_calls_total\{provider="prod",service="iam",action="GetUser",outcome="ok"\} [1-9]/,
    );
    expect(metrics).toMatch(/iam_pam_stalled_jobs_total\{queue="validate"\} 1/);
    expect(metrics).toMatch(/iam_pam_dead_letter_depth 0/);
    const health = await fetch(`http://127.0.0.1:${survivor.port}/healthz`);
    expect(health.status).toBe(200);
    expect(
      survivor.lines.some(
        (line) => line.msg === 'job stalled (its worker died or froze); it runs again',
      ),
    ).toBe(true);
    survivor.child.kill('SIGTERM');
    expect((await survivor.exited).code).toBe(0);
  });

  it('drain on SIGTERM: the active job finishes, then the process exits 0', async () => {
    const w = await worker({}, ['--queues', 'validate']);
    const job = await engine.enqueue(testEcho, {
      provider: 'prod',
      key: 'drain',
      holdUntilReleased: true,
    });
    expect(await runningPid('drain')).toBe(w.child.pid);
    w.child.kill('SIGTERM');
    // Draining: the job is released only now, so the process cannot have exited without it.
    await w.waitForLog('shutting down (send the signal again to exit at once)');
    await redis.set(releaseKey(prefix, 'drain'), '1');
    const exit = await w.exited;
    expect(exit.code).toBe(0);
    expect(await engine.finished(job, 1_000)).toMatchObject({ state: 'completed' });
    expect(w.lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'shutting down (send the signal again to exit at once)',
        'worker stopped',
      ]),
    );
  });

  it('exit at once on a second SIGTERM, leaving the job to the stalled check', async () => {
    const w = await worker({}, ['--queues', 'rotation']);
    await engine.enqueue(testLocked, {
      provider: 'prod',
      key: 'second',
      userName: 'zed',
      holdUntilReleased: true, // never released: it is still running at the second SIGTERM
    });
    await runningPid('second');
    w.child.kill('SIGTERM');
    await w.waitForLog('shutting down (send the signal again to exit at once)');
    const sent = Date.now();
    w.child.kill('SIGTERM');
    const exit = await w.exited;
    expect(exit.code).toBe(143);
    expect(exit.at - sent).toBeLessThan(2_500);
  });

  it('bound the shutdown when Redis has gone away', async () => {
    const server = await startRedisServer();
    try {
      const w = await worker({ REDIS_URL: server.url, IAM_PAM_SHUTDOWN_TIMEOUT_S: '2' }, [
        '--queues',
        'validate',
      ]);
      server.stop();
      await w.waitForLog('redis connection error');
      const sent = Date.now();
      w.child.kill('SIGTERM');
      const exit = await w.exited;
      // The 2 s drain timeout, then at most 1.5 s to drop the connections.
      expect(exit.at - sent).toBeLessThan(6_000);
      expect(exit.signal).toBeNull();
    } finally {
      server.stop();
    }
  });
});
