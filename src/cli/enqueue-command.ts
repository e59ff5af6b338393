/**
 * The shared behaviour of every enqueueing command (`validate`, `discover`, `rotate`,
 * `heartbeat`, …): without `--wait` print `{"queue","jobId"}`; with `--wait` show progress on
 * stderr, then print `{"queue","jobId","state","result","failedReason"?,"reason"?}` and exit 1
 * when the job failed (or its result says the outcome is bad). A command is a few lines:
 *
 *   addEnqueueOptions(program.command('discover <provider>'))
 *     .action((provider: string, opts: EnqueueFlags) =>
 *       run((context) => runEnqueue(context, discover, { provider }, opts)));
 */
import type { Command } from 'commander';
import type { z } from 'zod';

import { invalidInput } from '../errors.ts';
import type { JobContract } from '../jobs/define-job.ts';
import { jobContracts } from '../jobs/registry.ts';
import type { JobStatus } from '../producers/job-status.ts';
import { isServedByWorker } from '../producers/queue-workers.ts';
import { waitForJob } from '../producers/wait-for-job.ts';
import type { CliContext } from './cli-context.ts';
import { noticeWhileNoWorker } from './no-worker-notice.ts';
import { type ProducerSession, withProducerSession } from './producer-session.ts';
import type { ExitCode } from './run-action.ts';

export interface EnqueueFlags {
  wait?: boolean;
  json?: boolean;
  /** Seconds `--wait` waits before giving up (the job goes on). */
  timeout?: string;
}

export function addEnqueueOptions(command: Command): Command {
  return command
    .option('--wait', 'wait for the job, show its progress, print its outcome')
    .option('--json', 'print one JSON line')
    .option('--timeout <seconds>', 'how long --wait waits', '900');
}

export interface EnqueueCommandOptions {
  /** Says whether a completed job's result is a good outcome (a verdict in_sync, …); default yes. */
  isGood?: (result: unknown) => boolean;
  /** The contracts a replay may need; default the production ones. */
  contracts?: readonly JobContract[];
  /** Refuses before enqueueing (exit 1 `rotation_in_progress`, exit 2 unknown provider, …). */
  check?: (session: ProducerSession) => Promise<void>;
}

function outcomeOf(status: JobStatus) {
  return {
    queue: status.queue,
    jobId: status.jobId,
    state: status.state as 'completed' | 'failed',
    result: status.result ?? {},
    ...(status.state === 'failed'
      ? { failedReason: status.failedReason, reason: status.reason }
      : {}),
  };
}

export async function runEnqueue<C extends JobContract>(
  context: CliContext,
  contract: C,
  payload: z.input<C['payload']>,
  flags: EnqueueFlags,
  options: EnqueueCommandOptions = {},
): Promise<ExitCode> {
  const json = flags.json === true;
  const timeoutS = Number(flags.timeout ?? '900');
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    throw invalidInput(`--timeout: must be a number of seconds above 0 (got "${flags.timeout}")`);
  }
  const log = context.log();
  return withProducerSession(
    context.config(),
    log,
    options.contracts ?? jobContracts,
    async (session) => {
      const check = options.check;
      const job = await session.enqueue(
        contract,
        payload,
        check === undefined ? {} : { check: () => check(session) },
      );
      if (flags.wait !== true) {
        context.print(job, { json, text: `queued ${job.queue}/${job.jobId}` });
        return 0;
      }
      context.progress(`waiting for ${job.queue}/${job.jobId} …`);
      const notice = noticeWhileNoWorker({
        queue: job.queue,
        isServed: () => isServedByWorker(session.queues.get(job.queue)),
        say: (message) => context.progress(message),
      });
      let status: JobStatus;
      try {
        status = await waitForJob(
          { queues: session.queues, keys: session.keys, connect: session.connectPatient },
          job,
          {
            timeoutMs: timeoutS * 1000,
            onProgress: (progress) => context.progress(`progress: ${JSON.stringify(progress)}`),
          },
        );
      } finally {
        notice.stop();
      }
      const outcome = outcomeOf(status);
      const good = status.state === 'completed' && (options.isGood?.(status.result) ?? true);
      context.print(outcome, {
        json,
        text:
          status.state === 'completed'
            ? `${good ? 'completed' : 'completed with a bad outcome'} ${job.queue}/${job.jobId}: ${JSON.stringify(outcome.result)}`
            : `failed ${job.queue}/${job.jobId}: ${status.failedReason ?? status.reason ?? ''}`,
      });
      return good ? 0 : 1;
    },
  );
}
