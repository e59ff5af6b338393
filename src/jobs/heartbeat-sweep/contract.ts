/** `heartbeat-sweep`: a heartbeat for every managed account of a provider (CONTRACT.md queue `heartbeat`). */
import { z } from 'zod';

import { providerIdSchema } from '../../identifiers.ts';
import { providerDedupId } from '../dedup-ids.ts';
import { defineJob } from '../define-job.ts';

export const heartbeatSweep = defineJob({
  name: 'heartbeat-sweep',
  queue: 'heartbeat',
  description:
    'Enqueues one heartbeat per managed account of the provider in bulk, each delayed into its own slot of the heartbeat period (with jitter) so the checks are spread over the period instead of firing at once. Fired by the provider’s schedule (heartbeatEveryMinutes); a heartbeat still waiting from the last sweep is joined, not doubled.',
  payload: z.object({ provider: providerIdSchema }).strict(),
  // Only Redis work: a retry covers a lost connection.
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
  concurrency: 2,
  timeoutMs: 300_000,
  deduplicationId: ({ provider }) => providerDedupId(provider, 'heartbeat-sweep'),
});
