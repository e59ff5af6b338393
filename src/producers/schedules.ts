/**
 * Each provider's BullMQ job schedulers, kept equal to its lifecycle policy (schedule-plan.ts):
 * one scheduler per scheduled job, id `<provider>:<job>`, on the queue of that job, firing a
 * `schedule-tick` every period. Schedulers live in Redis, not in a process: they keep firing
 * whichever processes come and go, and survive a Redis restart with its data (AOF).
 *
 * `apply` runs after every policy write (CLI or HTTP), `remove` when a provider is removed,
 * `reconcile` at every `api` and `worker` start (providers written before schedules existed, or
 * by a process that died between the write and the upsert, get theirs; schedulers of providers
 * that are gone go). A scheduler already as the policy says is left alone, so its next run
 * keeps its time; a new one, or one whose period changed, first fires one period from now
 * (BullMQ would fire it at once).
 */
import type { Queue } from 'bullmq';

import { scheduleTicks } from '../jobs/schedule-tick/contract.ts';
import type { ProviderRecord } from '../providers/provider-schema.ts';
import {
  parseSchedulerId,
  REAL_TIME,
  SCHEDULE_QUEUE,
  SCHEDULED_JOBS,
  type ScheduledJob,
  scheduleEveryMs,
  schedulerId,
  type ScheduleUnits,
} from '../providers/schedule-plan.ts';
import { jobOptionsFor } from './create-enqueue.ts';
import type { QueueSet } from './create-queues.ts';

/** One schedule as `provider show` and `GET /v1/providers/{id}` report it. */
export interface ScheduleView {
  queue: string;
  everyMs: number;
  /** When the next `schedule-tick` fires; null while no scheduler exists (none reconciled yet). */
  nextRunAt: string | null;
}

/** Each scheduled job's schedule, or null where the policy schedules none. */
export type ScheduleViews = Record<ScheduledJob, ScheduleView | null>;

export interface ReconcileSummary {
  upserted: string[];
  removed: string[];
  unchanged: number;
}

export interface Schedules {
  /** Makes the provider's schedulers match its policy; returns the ids it upserted or removed. */
  apply(record: ProviderRecord): Promise<Omit<ReconcileSummary, 'unchanged'>>;
  /** Removes every scheduler of the provider. */
  remove(providerId: string): Promise<void>;
  /** `apply` for every provider, and removes our schedulers of providers not among them. */
  reconcile(records: readonly ProviderRecord[]): Promise<ReconcileSummary>;
  show(record: ProviderRecord): Promise<ScheduleViews>;
}

export interface SchedulesDeps {
  queues: Pick<QueueSet, 'get'>;
  /** Tests shrink the minute; production runs on real time. */
  units?: ScheduleUnits;
}

function tickTemplate(provider: string, job: ScheduledJob) {
  const contract = scheduleTicks[job];
  const data = { provider, job };
  // The tick's own retries and retention; it has no deduplication id (the job it enqueues has).
  return { name: contract.name, data, opts: jobOptionsFor(contract, data, {}) };
}

export function createSchedules(deps: SchedulesDeps): Schedules {
  const units = deps.units ?? REAL_TIME;
  const queueOf = (job: ScheduledJob): Queue => deps.queues.get(SCHEDULE_QUEUE[job]);

  /** Whether the stored scheduler fires this template every `everyMs` and has its next run. */
  async function isCurrent(queue: Queue, id: string, everyMs: number, data: object) {
    const stored = await queue.getJobScheduler(id);
    if (
      stored === undefined ||
      stored.every !== everyMs ||
      stored.next === undefined ||
      JSON.stringify(stored.template?.data) !== JSON.stringify(data)
    ) {
      return false;
    }
    // The run it holds (BullMQ's id for it); gone, the scheduler would never fire again.
    return (await queue.getJob(`repeat:${id}:${stored.next}`)) !== undefined;
  }

  /** What applying the policy changed about one scheduler, if anything (its id). */
  async function applyOne(
    record: ProviderRecord,
    job: ScheduledJob,
  ): Promise<{ upserted?: string; removed?: string }> {
    const queue = queueOf(job);
    const id = schedulerId(record.id, job);
    const everyMs = scheduleEveryMs(record.policy, job, units);
    if (everyMs === undefined) {
      return (await queue.removeJobScheduler(id)) ? { removed: id } : {};
    }
    const template = tickTemplate(record.id, job);
    if (await isCurrent(queue, id, everyMs, template.data)) {
      return {};
    }
    // startDate counts only for a new scheduler or a changed period: the first run is one
    // period away. An unchanged period keeps the run already due.
    await queue.upsertJobScheduler(
      id,
      { every: everyMs, startDate: Date.now() + everyMs },
      template,
    );
    return { upserted: id };
  }

  async function apply(record: ProviderRecord) {
    const outcomes = await Promise.all(SCHEDULED_JOBS.map((job) => applyOne(record, job)));
    return {
      upserted: outcomes.flatMap((o) => (o.upserted === undefined ? [] : [o.upserted])),
      removed: outcomes.flatMap((o) => (o.removed === undefined ? [] : [o.removed])),
    };
  }

  return {
    apply,

    async remove(providerId) {
      await Promise.all(
        SCHEDULED_JOBS.map((job) => queueOf(job).removeJobScheduler(schedulerId(providerId, job))),
      );
    },

    async reconcile(records) {
      const summary: ReconcileSummary = { upserted: [], removed: [], unchanged: 0 };
      for (const record of records) {
        const { upserted, removed } = await apply(record);
        summary.upserted.push(...upserted);
        summary.removed.push(...removed);
        summary.unchanged += SCHEDULED_JOBS.length - upserted.length - removed.length;
      }
      const known = new Set(records.map((r) => r.id));
      for (const job of SCHEDULED_JOBS) {
        const queue = queueOf(job);
        for (const scheduler of await queue.getJobSchedulers(0, -1)) {
          // Ours (`<provider>:<job>` for this queue's job), of a provider that is gone.
          const ours = parseSchedulerId(scheduler.key);
          if (ours?.job === job && !known.has(ours.provider)) {
            await queue.removeJobScheduler(scheduler.key);
            summary.removed.push(scheduler.key);
          }
        }
      }
      return summary;
    },

    async show(record) {
      const entries = await Promise.all(
        SCHEDULED_JOBS.map(async (job): Promise<[ScheduledJob, ScheduleView | null]> => {
          const everyMs = scheduleEveryMs(record.policy, job, units);
          if (everyMs === undefined) {
            return [job, null];
          }
          const stored = await queueOf(job).getJobScheduler(schedulerId(record.id, job));
          const next = stored?.next;
          return [
            job,
            {
              queue: SCHEDULE_QUEUE[job],
              everyMs,
              nextRunAt: next === undefined ? null : new Date(next).toISOString(),
            },
          ];
        }),
      );
      return Object.fromEntries(entries) as ScheduleViews;
    },
  };
}
