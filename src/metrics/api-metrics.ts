/**
 * The API process's metrics: jobs by queue and state (read from Redis at scrape time, so every
 * API replica reports the same shared numbers) and the dead-letter depth.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

import type { QueueSet } from '../producers/create-queues.ts';

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export function createApiMetrics(deps: { queues: QueueSet }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'iam_pam_' });
  new Gauge({
    name: 'iam_pam_queue_jobs',
    help: 'Jobs by queue and state (dead-letter entries are its waiting jobs)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of deps.queues.all()) {
        const counts = await queue.getJobCounts(...STATES).catch(() => undefined);
        for (const state of STATES) {
          this.set({ queue: queue.name, state }, counts?.[state] ?? Number.NaN);
        }
      }
    },
  });
  return registry;
}
