/**
 * `iam-pam worker [--queues q1,q2]`: one BullMQ Worker per queue (all work queues by default,
 * never dead-letter), JSON logs on stdout, `/metrics` and `/healthz` on
 * IAM_PAM_WORKER_HTTP_PORT; SIGTERM/SIGINT drain, a second signal exits at once.
 */
import type { Command } from 'commander';

import { createProductionJobs } from '../../app/production-jobs.ts';
import type { CreateJobs } from '../../app/engine-deps.ts';
import { startWorkerRuntime, type WorkerRuntimeOptions } from '../../app/worker-runtime.ts';
import { invalidInput, PermanentError } from '../../errors.ts';
import {
  DEAD_LETTER_QUEUE,
  isWorkQueueName,
  WORK_QUEUES,
  type WorkQueueName,
} from '../../jobs/queues.ts';
import { createLogger } from '../../logger.ts';
import { startWorkerHttp, type WorkerHttp } from '../../workers/worker-http.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { TERMINAL_REPEAT_MS, waitForShutdownSignal } from '../shutdown-signal.ts';

export function parseQueueList(list: string | undefined): WorkQueueName[] {
  if (list === undefined) {
    return [...WORK_QUEUES];
  }
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw invalidInput(`--queues: name at least one of ${WORK_QUEUES.join(', ')}`);
  }
  for (const name of names) {
    if (name === DEAD_LETTER_QUEUE) {
      throw invalidInput(
        '--queues: nobody consumes dead-letter; use `iam-pam dlq` to read and replay it',
      );
    }
    if (!isWorkQueueName(name)) {
      throw invalidInput(`--queues: unknown queue "${name}" (queues: ${WORK_QUEUES.join(', ')})`);
    }
  }
  return [...new Set(names)] as WorkQueueName[];
}

export interface WorkerCommandOptions {
  createJobs?: CreateJobs;
  /** Passed through to the runtime (test entry points shrink retry delays). */
  runtime?: Pick<WorkerRuntimeOptions, 'backoffOverride' | 'reconcileEveryMs' | 'budgetOf'>;
}

export function createWorkerCommand(options: WorkerCommandOptions = {}): CommandRegistrar {
  return (program: Command, run) => {
    program
      .command('worker')
      .description('run workers (all work queues by default; never dead-letter)')
      .option('--queues <list>', `comma-separated queues among ${WORK_QUEUES.join(', ')}`)
      .action((opts: { queues?: string }) =>
        run(async (context) => {
          const queues = parseQueueList(opts.queues);
          const config = context.config();
          const proc = context.process;
          if (proc === undefined) {
            throw new Error('worker: needs the process to handle signals');
          }
          const log = createLogger({ ...config.log, stream: 'stdout', service: 'worker' });
          const runtime = await startWorkerRuntime({
            ...options.runtime,
            config,
            log,
            queues,
            createJobs: options.createJobs ?? createProductionJobs,
          });
          let http: WorkerHttp;
          try {
            http = await startWorkerHttp({
              port: config.worker.httpPort,
              host: config.http.host,
              registry: runtime.metrics.registry,
              healthy: () => runtime.healthy(),
              log,
            });
          } catch (err) {
            await runtime.close(0);
            throw new PermanentError(
              'config_invalid',
              `IAM_PAM_WORKER_HTTP_PORT: cannot listen on ${String(config.worker.httpPort)} (${(err as Error).message}); choose a free port, auto or 0 (off)`,
            );
          }
          // The queues it serves, not the ones asked for: a queue no job is bound to gets no worker.
          log.info(
            {
              queues: runtime.workers.queues,
              concurrency: config.worker.concurrency,
              jobLockMs: config.worker.jobLockMs,
            },
            'worker ready',
          );
          await waitForShutdownSignal(proc, log, { repeatWithinMs: TERMINAL_REPEAT_MS });
          const clean = await runtime.close(config.worker.shutdownTimeoutS * 1000);
          await http.close();
          log.info({ clean }, clean ? 'worker stopped' : 'worker stopped with jobs still active');
          // CONTRACT.md names no status for a drain that ran out of IAM_PAM_SHUTDOWN_TIMEOUT_S:
          // 1 tells the supervisor jobs were left active (another worker's stalled check takes
          // them over after about 1.5× the job lock); 0 means every active job finished.
          return clean ? 0 : 1;
        }),
      );
  };
}

export const registerWorker = createWorkerCommand();
