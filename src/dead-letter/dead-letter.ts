/**
 * The dead-letter: where a job goes when retrying cannot help or its attempts ran out, with
 * the reason a person can act on and the state its handler attached, for inspection and
 * replay. Nobody consumes the `dead-letter` queue.
 *
 * One entry per failure: `<queue>-<jobId>`, or `<queue>-<jobId>-<finishedOn>` when a job
 * retried by hand fails again while the entry of its earlier failure is still there (that
 * entry stays, as the history of the job, replayed or not; a removed or purged one frees
 * the plain id). The set `keys.deadLettered` remembers, per job, the failure last copied, so
 * the reconciler (which walks the failed sets, covering a worker that died between "failed"
 * and "dead-lettered") never brings back an entry someone replayed, removed or purged.
 */
import type { Job } from 'bullmq';

import { type ErrorCode, isAppError, PermanentError } from '../errors.ts';
import type { EnqueuedJob, EnqueueJob, JobContract } from '../jobs/define-job.ts';
import { DEAD_LETTER_QUEUE, jobKey, type WorkQueueName } from '../jobs/queues.ts';
import type { Keys } from '../keys.ts';
import { type Logger, REDACTED, scrubSecrets } from '../logger.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { QueueSet } from '../producers/create-queues.ts';
import type { EventLog } from '../queue/event-log.ts';
import { reasonOf, scrubFailureText } from '../queue/failure-reason.ts';
import type { JobStateStore } from '../queue/job-state-store.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { createDeadLetterClaims } from './dead-letter-claims.ts';
import {
  type DeadLetterData,
  type DeadLetterEntry,
  describeSubject,
  toEntry,
} from './dead-letter-entry.ts';
import { assertEntryId, entryNotFound, firstEntryId, laterEntryId } from './dead-letter-id.ts';
import { findJob } from '../queue/find-job.ts';

export type Replayed = EnqueuedJob & { id: string };

/** An entry `replayAll` could not replay, and why (as the API's error body words it). */
export interface NotReplayed {
  id: string;
  error: { code: ErrorCode; message: string };
}

export type ReplayOutcome = Replayed | NotReplayed;

export function isReplayed(outcome: ReplayOutcome): outcome is Replayed {
  return !('error' in outcome);
}

export interface DeadLetter {
  /** Copies a job's failure; false when it was copied already (or is being copied). */
  record(queue: WorkQueueName, job: Job): Promise<boolean>;
  /** Copies the failures of these queues' jobs that were not copied yet; returns how many. */
  reconcile(queues: readonly WorkQueueName[]): Promise<number>;
  list(): Promise<DeadLetterEntry[]>;
  show(id: string): Promise<DeadLetterEntry>;
  /** Adds a new job to the original queue and marks the entry replayed; once per entry. */
  replay(id: string): Promise<Replayed>;
  /** Replays every entry not replayed yet, going on past those that cannot be. */
  replayAll(): Promise<ReplayOutcome[]>;
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
  enqueue: EnqueueJob;
  /** Every contract a replay may target. */
  contracts: readonly JobContract[];
  /** How long failed jobs are kept (s): entries of the copied-set older than that are trimmed. */
  failedRetentionS: number;
  log: Logger;
  metrics?: EngineMetrics;
}

/** Whether scrubbing censored something in `payload` (now or before it was stored). */
function holdsRedaction(payload: unknown): boolean {
  return (JSON.stringify(payload) ?? '').includes(`"${REDACTED}"`);
}

/** How many of the newest failed jobs per queue one reconcile pass looks at, and how far back. */
const RECONCILE_WINDOW = 1_000;
const RECONCILE_HORIZON_MS = 24 * 3600 * 1000;

export function createDeadLetter(deps: DeadLetterDeps): DeadLetter {
  const dlq = deps.queues.get(DEAD_LETTER_QUEUE);
  const claims = createDeadLetterClaims(deps.redis, deps.keys);
  // A job name is unique within its queue (`schedule-tick` runs on three).
  const byKey = new Map(deps.contracts.map((c) => [jobKey(c.queue, c.name), c]));
  const getEntry = (id: string) => findJob<DeadLetterData>(dlq, id);
  const entryOf = async (id: string) => {
    assertEntryId(id);
    const job = await getEntry(id);
    if (job === undefined) {
      throw entryNotFound(id);
    }
    return job;
  };
  const replayedAlready = (id: string, data: DeadLetterData) =>
    new PermanentError(
      'conflict',
      `dead-letter entry ${id} was replayed already (as ${data.queue}/${data.replayJobId ?? '?'} at ${data.replayedAt ?? '?'})`,
    );
  /** The plain id, unless an entry of another failure of the same job holds it. */
  const entryIdFor = async (queue: string, jobId: string, finishedOn: number, failedAt: string) => {
    const first = firstEntryId(queue, jobId);
    const holder = await getEntry(first);
    return holder === undefined || holder.data.failedAt === failedAt
      ? first
      : laterEntryId(queue, jobId, finishedOn);
  };

  const api: DeadLetter = {
    async record(queue, job) {
      const jobId = job.id ?? '';
      const finishedOn = job.finishedOn;
      if (finishedOn === undefined) {
        return false; // still retrying: not failed for good
      }
      // Claimed first, marked copied last. Copying and the event release the claim when they
      // fail, and a crash lets it lapse: the reconciler then copies again into the same entry id
      // (BullMQ keeps one entry) and the event is sent again rather than lost.
      const claim = await claims.claimCopy(firstEntryId(queue, jobId), finishedOn);
      if (claim === undefined) {
        return false;
      }
      const reason = reasonOf(job.failedReason) ?? 'internal';
      const failedAt = new Date(finishedOn).toISOString();
      let id: string;
      try {
        id = await entryIdFor(queue, jobId, finishedOn, failedAt);
        const state = (await deps.jobStates.load(queue, jobId)) ?? null;
        const payload = scrubSecrets(job.data as unknown);
        // A redacted payload is not the job's own any more: replaying it would run other work.
        // (The worker may have scrubbed the job's own data already, when it refused to run it.)
        const redacted = holdsRedaction(payload);
        const data: DeadLetterData = {
          queue,
          name: job.name,
          jobId,
          data: payload,
          ...(redacted ? { dataRedacted: true } : {}),
          reason,
          failedReason: scrubFailureText(job.failedReason),
          attempts: job.attemptsMade,
          state: scrubSecrets(state) as typeof state,
          failedAt,
        };
        await dlq.add(job.name, data, { jobId: id });
        const subject = describeSubject(byKey.get(jobKey(queue, job.name)), job.data);
        await deps.events.append({
          type: 'job.dead_lettered',
          provider: subject.provider,
          account: subject.account,
          jobId,
          detail: { id, queue, name: job.name, reason, attempts: job.attemptsMade },
        });
      } catch (err) {
        await claim.release();
        throw err;
      }
      await claim.markCopied();
      deps.metrics?.deadLettered.inc({ queue, name: job.name, reason });
      deps.log.warn({ id, queue, job: job.name, jobId, reason }, 'job dead-lettered');
      return true;
    },

    async reconcile(queues) {
      let copied = 0;
      for (const queue of queues) {
        const bull = deps.queues.get(queue);
        // The failed set is scored by finish time: look at recent failures only, and fetch
        // the jobs whose failure is newer than the one last copied (or that were never copied).
        const failed = await deps.redis.zrevrangebyscore(
          bull.toKey('failed'),
          '+inf',
          Date.now() - RECONCILE_HORIZON_MS,
          'WITHSCORES',
          'LIMIT',
          0,
          RECONCILE_WINDOW,
        );
        if (failed.length === 0) {
          continue;
        }
        const ids = failed.filter((_, index) => index % 2 === 0);
        const copiedUpTo = await deps.redis.zmscore(
          deps.keys.deadLettered,
          ...ids.map((id) => firstEntryId(queue, id)),
        );
        for (const [index, id] of ids.entries()) {
          const mark = copiedUpTo[index];
          if (
            mark !== null &&
            mark !== undefined &&
            Number(mark) >= Number(failed[index * 2 + 1])
          ) {
            continue;
          }
          const job = (await bull.getJob(id)) as Job | undefined;
          if (job !== undefined && (await api.record(queue, job))) {
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
      const entry = await entryOf(id);
      const data = entry.data;
      if (data.replayedAt !== undefined) {
        throw replayedAlready(id, data);
      }
      // Entries copied before the flag existed show it only in their payload.
      if (data.dataRedacted === true || holdsRedaction(data.data)) {
        throw new PermanentError(
          'conflict',
          `dead-letter entry ${id}: its payload held secret-named fields, which were redacted when it was copied, so it cannot be replayed; enqueue a new job that carries references only`,
        );
      }
      const contract = byKey.get(jobKey(data.queue, data.name));
      if (contract === undefined) {
        throw new PermanentError(
          'unknown_job',
          `dead-letter entry ${id}: no job "${data.name}" is declared here, so it cannot be replayed`,
        );
      }
      const claim = await claims.claimReplay(id, dlq.toKey(id));
      if (claim === 'missing') {
        throw entryNotFound(id);
      }
      if (claim === 'replayed') {
        throw replayedAlready(id, (await entryOf(id)).data);
      }
      if (claim === 'busy') {
        throw new PermanentError(
          'conflict',
          `dead-letter entry ${id} is being replayed by another caller right now`,
        );
      }
      let enqueued: EnqueuedJob;
      try {
        enqueued = await deps.enqueue(contract, data.data);
      } catch (err) {
        // Nothing was added: the entry may be tried again at once.
        await claim.release();
        throw err;
      }
      // From here on the claim is kept: written, replayedAt refuses a second replay; not written
      // (Redis failed in between), the claim still refuses one until it lapses, and the new
      // job's deduplication id collapses a later replay while that job is live.
      await entry.updateData({
        ...data,
        replayedAt: new Date().toISOString(),
        replayJobId: enqueued.jobId,
      });
      await claim.release();
      deps.log.info({ id, ...enqueued }, 'dead-letter entry replayed');
      return { id, ...enqueued };
    },

    async replayAll() {
      const pending = (await api.list()).filter((entry) => entry.replayed === undefined);
      const outcomes: ReplayOutcome[] = [];
      for (const entry of pending) {
        try {
          outcomes.push(await api.replay(entry.id));
        } catch (err) {
          // A refusal concerns this entry; anything else (Redis gone) concerns them all.
          if (!isAppError(err)) {
            throw err;
          }
          outcomes.push({ id: entry.id, error: { code: err.code, message: err.message } });
        }
      }
      return outcomes;
    },

    async remove(id) {
      await (await entryOf(id)).remove();
    },

    async purge() {
      // The copied-set is kept: the reconciler must not bring the purged failures back. A job
      // that fails again later is a new failure (a later finishedOn) and is copied. Claims lapse.
      const count = await api.depth();
      await dlq.obliterate({ force: true });
      return count;
    },

    depth: () => dlq.getJobCountByTypes('waiting'),
  };
  return api;
}
