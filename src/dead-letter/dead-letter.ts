/**
 * The dead-letter: where a job goes when retrying cannot help or its attempts ran out, with
 * the reason a person can act on and the state its handler attached, for inspection and
 * replay. Nobody consumes the `dead-letter` queue.
 *
 * Exactly one entry per failed job: its id is `<queue>-<jobId>` (BullMQ ignores a second add
 * of an id), and the set `keys.deadLettered` remembers which failed jobs were copied, so the
 * reconciler (which walks the failed sets, covering a worker that died between "failed" and
 * "dead-lettered") never brings back an entry someone replayed or deleted.
 */
import type { Job } from 'bullmq';

import { PermanentError } from '../errors.ts';
import type { EnqueuedJob, JobContract } from '../jobs/define-job.ts';
import { DEAD_LETTER_QUEUE, type WorkQueueName } from '../jobs/queues.ts';
import type { Keys } from '../keys.ts';
import type { Logger } from '../logger.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { Enqueue } from '../producers/create-enqueue.ts';
import type { QueueSet } from '../producers/create-queues.ts';
import type { EventLog } from '../queue/event-log.ts';
import { reasonOf } from '../queue/failure-reason.ts';
import type { JobStateStore } from '../queue/job-state-store.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import {
  type DeadLetterData,
  type DeadLetterEntry,
  describeSubject,
  toEntry,
} from './dead-letter-entry.ts';

export interface DeadLetter {
  /** Copies a failed job; false when it was already copied. */
  record(queue: WorkQueueName, job: Job): Promise<boolean>;
  /** Copies the failed jobs of these queues that were not copied yet; returns how many. */
  reconcile(queues: readonly WorkQueueName[]): Promise<number>;
  list(): Promise<DeadLetterEntry[]>;
  show(id: string): Promise<DeadLetterEntry>;
  /** Adds a new job to the original queue and marks the entry replayed. */
  replay(id: string): Promise<EnqueuedJob & { id: string }>;
  /** Replays every entry not replayed yet. */
  replayAll(): Promise<Array<EnqueuedJob & { id: string }>>;
  remove(id: string): Promise<void>;
  purge(): Promise<number>;
  depth(): Promise<number>;
}

export interface DeadLetterDeps {
  queues: QueueSet;
  redis: RedisConnection;
  keys: Keys;
  events: EventLog;
  jobStates: JobStateStore;
  enqueue: Enqueue;
  /** Every contract a replay may target. */
  contracts: readonly JobContract[];
  /** How long failed jobs are kept (s): entries of the copied-set older than that are trimmed. */
  failedRetentionS: number;
  log: Logger;
  metrics?: EngineMetrics;
}

/** How many of the newest failed jobs per queue one reconcile pass looks at, and how far back. */
const RECONCILE_WINDOW = 1_000;
const RECONCILE_HORIZON_MS = 24 * 3600 * 1000;

export function createDeadLetter(deps: DeadLetterDeps): DeadLetter {
  const dlq = deps.queues.get(DEAD_LETTER_QUEUE);
  const byName = new Map(deps.contracts.map((c) => [c.name, c]));
  const entryOf = async (id: string) => {
    const job = (await dlq.getJob(id)) as Job<DeadLetterData> | undefined;
    if (job === undefined) {
      throw new PermanentError('not_found', `dead-letter entry ${id} does not exist`);
    }
    return job;
  };

  const api: DeadLetter = {
    async record(queue, job) {
      const id = `${queue}-${job.id ?? ''}`;
      if ((await deps.redis.zscore(deps.keys.deadLettered, id)) !== null) {
        return false;
      }
      const reason = reasonOf(job.failedReason) ?? 'internal';
      const subject = describeSubject(byName.get(job.name), job.data);
      const data: DeadLetterData = {
        queue,
        name: job.name,
        jobId: job.id ?? '',
        data: job.data as unknown,
        reason,
        failedReason: job.failedReason,
        attempts: job.attemptsMade,
        state: (await deps.jobStates.load(queue, job.id ?? '')) ?? null,
        failedAt: new Date(job.finishedOn ?? Date.now()).toISOString(),
      };
      await dlq.add(job.name, data, { jobId: id });
      // The event comes before the mark: after a crash in between it is sent again, not lost.
      await deps.events.append({
        type: 'job.dead_lettered',
        provider: subject.provider,
        account: subject.account,
        jobId: job.id ?? '',
        detail: { id, queue, name: job.name, reason, attempts: job.attemptsMade },
      });
      await deps.redis.zadd(deps.keys.deadLettered, Date.now(), id);
      deps.metrics?.deadLettered.inc({ queue, name: job.name, reason });
      deps.log.warn({ id, queue, job: job.name, jobId: job.id, reason }, 'job dead-lettered');
      return true;
    },

    async reconcile(queues) {
      let copied = 0;
      for (const queue of queues) {
        const bull = deps.queues.get(queue);
        // The failed set is scored by finish time: look at recent ids only, fetch the uncopied.
        const ids = await deps.redis.zrevrangebyscore(
          bull.toKey('failed'),
          '+inf',
          Date.now() - RECONCILE_HORIZON_MS,
          'LIMIT',
          0,
          RECONCILE_WINDOW,
        );
        if (ids.length === 0) {
          continue;
        }
        const seen = await deps.redis.zmscore(
          deps.keys.deadLettered,
          ...ids.map((id) => `${queue}-${id}`),
        );
        for (const [index, id] of ids.entries()) {
          if (seen[index] !== null) {
            continue;
          }
          const job = (await bull.getJob(id)) as Job | undefined;
          if (job?.finishedOn !== undefined && (await api.record(queue, job))) {
            copied += 1;
          }
        }
      }
      const horizon = Date.now() - deps.failedRetentionS * 1000;
      await deps.redis.zremrangebyscore(deps.keys.deadLettered, '-inf', horizon);
      return copied;
    },

    async list() {
      const jobs = (await dlq.getJobs(['waiting'], 0, -1, true)) as Array<Job<DeadLetterData>>;
      return jobs.filter((job) => job !== undefined).map(toEntry);
    },

    show: async (id) => toEntry(await entryOf(id)),

    async replay(id) {
      const job = await entryOf(id);
      const data = job.data;
      if (data.replayedAt !== undefined) {
        throw new PermanentError(
          'conflict',
          `dead-letter entry ${id} was replayed already (as ${data.queue}/${data.replayJobId ?? '?'} at ${data.replayedAt})`,
        );
      }
      const contract = byName.get(data.name);
      if (contract === undefined) {
        throw new PermanentError(
          'unknown_job',
          `dead-letter entry ${id}: no job "${data.name}" is declared here, so it cannot be replayed`,
        );
      }
      const enqueued = await deps.enqueue(contract, data.data);
      await job.updateData({
        ...data,
        replayedAt: new Date().toISOString(),
        replayJobId: enqueued.jobId,
      });
      deps.log.info({ id, ...enqueued }, 'dead-letter entry replayed');
      return { id, ...enqueued };
    },

    async replayAll() {
      const pending = (await api.list()).filter((entry) => entry.replayed === undefined);
      const replayed = [];
      for (const entry of pending) {
        replayed.push(await api.replay(entry.id));
      }
      return replayed;
    },

    async remove(id) {
      await (await entryOf(id)).remove();
    },

    async purge() {
      const count = await api.depth();
      await dlq.obliterate({ force: true });
      return count;
    },

    depth: () => dlq.getJobCountByTypes('waiting'),
  };
  return api;
}
