/**
 * `schedule-tick`: what a provider's BullMQ job scheduler fires, on the queue of the job it
 * starts (CONTRACT.md). It carries no deduplication id of its own: its handler enqueues the real
 * job through the producer, whose deduplication id then collapses a scheduled and a manual
 * request alike. One contract per queue, as a job name is unique within its queue.
 */
import { z } from 'zod';

import { providerIdSchema } from '../../identifiers.ts';
import { SCHEDULE_QUEUE, type ScheduledJob } from '../../providers/schedule-plan.ts';
import { defineJob } from '../define-job.ts';

function tickFor<J extends ScheduledJob>(job: J) {
  return defineJob({
    name: 'schedule-tick',
    queue: SCHEDULE_QUEUE[job],
    description: `Fired by the provider's job scheduler: enqueues a ${job} job for the provider (joining one already live), unless the provider or its schedule is gone.`,
    payload: z.object({ provider: providerIdSchema, job: z.literal(job) }).strict(),
    retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
    concurrency: 4,
    timeoutMs: 30_000,
  });
}

export const scheduleTicks = {
  discover: tickFor('discover'),
  'heartbeat-sweep': tickFor('heartbeat-sweep'),
  'rotation-sweep': tickFor('rotation-sweep'),
} as const;

export type ScheduleTick = (typeof scheduleTicks)[ScheduledJob];
