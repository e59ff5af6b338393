/**
 * Which periodic jobs a provider's lifecycle policy asks for, and how often (CONTRACT.md): a
 * discovery every `discoverEveryHours`, a heartbeat sweep every `heartbeatEveryMinutes`, and a
 * rotation sweep once a day while `rotateEveryDays` is set (it rotates the accounts older than
 * that). A `null` period means no schedule. Pure: the scheduler (producers/schedules.ts), the
 * `schedule-tick` handler and the sweeps all read the plan from here.
 */
import type { WorkQueueName } from '../jobs/queues.ts';
import type { LifecyclePolicy } from './lifecycle-policy.ts';

export const SCHEDULED_JOBS = ['discover', 'heartbeat-sweep', 'rotation-sweep'] as const;
export type ScheduledJob = (typeof SCHEDULED_JOBS)[number];

/** Each scheduled job runs on the queue of its kind of work, and so does its `schedule-tick`. */
export const SCHEDULE_QUEUE = {
  discover: 'discovery',
  'heartbeat-sweep': 'heartbeat',
  'rotation-sweep': 'rotation',
} as const satisfies Record<ScheduledJob, WorkQueueName>;

/**
 * How long a policy's minute lasts. Production runs on real time; tests shrink the minute so a
 * schedule fires within a test (hours and days follow from it).
 */
export interface ScheduleUnits {
  readonly minuteMs: number;
}

export const REAL_TIME: ScheduleUnits = Object.freeze({ minuteMs: 60_000 });

export function dayMs(units: ScheduleUnits): number {
  return units.minuteMs * 60 * 24;
}

/** The job's period in ms under `policy`, or undefined when the policy schedules none. */
export function scheduleEveryMs(
  policy: Pick<LifecyclePolicy, 'discoverEveryHours' | 'heartbeatEveryMinutes' | 'rotateEveryDays'>,
  job: ScheduledJob,
  units: ScheduleUnits = REAL_TIME,
): number | undefined {
  switch (job) {
    case 'discover':
      return policy.discoverEveryHours === null
        ? undefined
        : policy.discoverEveryHours * 60 * units.minuteMs;
    case 'heartbeat-sweep':
      return policy.heartbeatEveryMinutes === null
        ? undefined
        : policy.heartbeatEveryMinutes * units.minuteMs;
    case 'rotation-sweep':
      // Daily, whatever the age: an account comes due on the day it passes rotateEveryDays.
      return policy.rotateEveryDays === null ? undefined : dayMs(units);
  }
}

/** The scheduler's id within its queue: one per provider and job. */
export function schedulerId(provider: string, job: ScheduledJob): string {
  return `${provider}:${job}`;
}

/** The provider and job of one of our scheduler ids, or undefined for anyone else's. */
export function parseSchedulerId(id: string): { provider: string; job: ScheduledJob } | undefined {
  const at = id.lastIndexOf(':');
  const job = id.slice(at + 1) as ScheduledJob;
  return at > 0 && SCHEDULED_JOBS.includes(job) ? { provider: id.slice(0, at), job } : undefined;
}
