/**
 * Crash tests on real worker processes (DESIGN.md "Rotation, step by step"): workers started
 * with chosen settings (a 2 s job lock, armed failpoints) against an IAM backend (the in-process
 * sandbox, or a moto server for what moto can show) and the file's Redis, killed at a failpoint or while the sandbox holds a response, replaced by
 * fresh ones; the test waits for an end state given as a predicate, never for a fixed time.
 */
import { expect } from 'vitest';

import type { LifecycleEvent } from '../../src/jobs/events.ts';
import type { Sandbox } from '../../src/sandbox/create-sandbox.ts';
import type { TestEngine } from './engine.ts';
import { waitFor } from './wait-for.ts';
import { startWorkerProcess, type WorkerProcess } from './worker-process.ts';

/** Where the workers send IAM and STS calls, signed by default with the backend's admin key. */
export type CrashTarget = Pick<Sandbox, 'endpoint' | 'region' | 'adminCredentials'>;

export interface CrashWorkerOptions {
  /** IAM_PAM_FAILPOINTS: the worker SIGKILLs itself on reaching the first of these. */
  failpoints?: readonly string[];
  env?: Record<string, string>;
  /** The queues it serves (default: `rotation` alone). */
  queues?: readonly string[];
}

export interface CrashHarness {
  /** Starts a worker (of the `rotation` queue unless told); it is killed when the file ends. */
  start(options?: CrashWorkerOptions): Promise<WorkerProcess>;
  /** Workers that have not exited. */
  live(): WorkerProcess[];
  /**
   * The next worker to exit that no earlier call returned (one started meanwhile included),
   * once it is known to have died by SIGKILL.
   */
  nextDeath(timeoutMs?: number): Promise<WorkerProcess>;
  /** Kills it (SIGKILL) and asserts it died by that signal. */
  kill(worker: WorkerProcess): Promise<void>;
  /** Kills every live worker at once (SIGKILL; those still starting once up) and asserts how each died. */
  killAll(): Promise<void>;
  /** Asserts that it died by SIGKILL (a failpoint's own kill included). */
  expectKilled(worker: WorkerProcess): Promise<void>;
  /** The first event after `after` matching `predicate`. */
  waitForEvent(
    predicate: (event: LifecycleEvent) => boolean,
    options?: { after?: string; timeoutMs?: number },
  ): Promise<LifecycleEvent>;
  /** Kills every worker (SIGCONT first, for one that was stopped; those starting once up). */
  stopAll(): Promise<void>;
}

export function createCrashHarness(engine: TestEngine, target: () => CrashTarget): CrashHarness {
  const workers: WorkerProcess[] = [];
  const exited = new Set<WorkerProcess>();
  const reported = new Set<WorkerProcess>();
  /** Workers still starting (started in the background): killAll waits for them. */
  const starting = new Set<Promise<unknown>>();
  return {
    async start(options = {}) {
      const box = target();
      const started = startWorkerProcess(
        {
          ...engine.redis.env,
          IAM_PAM_MASTER_KEY: engine.config.vault.masterKey ?? '',
          IAM_PAM_FAILPOINTS: (options.failpoints ?? []).join(','),
          IAM_PAM_WORKER_HTTP_PORT: '0',
          AWS_ENDPOINT_URL: box.endpoint,
          AWS_REGION: box.region,
          AWS_ACCESS_KEY_ID: box.adminCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: box.adminCredentials.secretAccessKey,
          ...options.env,
        },
        ['--queues', (options.queues ?? ['rotation']).join(',')],
      );
      starting.add(started);
      const worker = await started.finally(() => starting.delete(started));
      workers.push(worker);
      void worker.exited.then(() => exited.add(worker));
      return worker;
    },
    live: () => workers.filter((worker) => !exited.has(worker)),
    async nextDeath(timeoutMs = 30_000) {
      const dead = await waitFor(
        'a worker to die',
        () => workers.find((worker) => exited.has(worker) && !reported.has(worker)),
        { timeoutMs },
      );
      reported.add(dead);
      await this.expectKilled(dead);
      return dead;
    },
    async kill(worker) {
      worker.child.kill('SIGKILL');
      reported.add(worker);
      await this.expectKilled(worker);
    },
    async killAll() {
      // One still starting would otherwise come up after, with its own settings.
      await Promise.allSettled([...starting]);
      const live = this.live();
      for (const worker of live) {
        worker.child.kill('SIGKILL');
        reported.add(worker);
      }
      for (const worker of live) {
        await this.expectKilled(worker);
      }
    },
    async expectKilled(worker) {
      const end = await worker.exited;
      expect(end.signal).toBe('SIGKILL');
    },
    waitForEvent(predicate, { after, timeoutMs = 30_000 } = {}) {
      return waitFor(
        'the event',
        async () => (await engine.events.read({ after, limit: 10_000 })).find(predicate),
        { timeoutMs, intervalMs: 100 },
      );
    },
    async stopAll() {
      await Promise.allSettled([...starting]);
      for (const worker of workers) {
        worker.child.kill('SIGCONT');
        worker.child.kill('SIGKILL');
      }
    },
  };
}
