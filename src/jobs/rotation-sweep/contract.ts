/** `rotation-sweep`: rotations for the accounts older than `rotateEveryDays` (CONTRACT.md queue `rotation`). */
import { z } from 'zod';

import { providerIdSchema } from '../../identifiers.ts';
import { providerDedupId } from '../dedup-ids.ts';
import { defineJob } from '../define-job.ts';

export const rotationSweep = defineJob({
  name: 'rotation-sweep',
  queue: 'rotation',
  description:
    'Asks for a rotation of every managed account of the provider older than its rotateEveryDays (counted from our last rotation, or from the import for an account never rotated; never from the key’s date in AWS), spread with jitter over the day. Fired daily by the provider’s schedule; an account whose rotation is open or refused is left to it.',
  payload: z.object({ provider: providerIdSchema }).strict(),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
  concurrency: 2,
  timeoutMs: 300_000,
  deduplicationId: ({ provider }) => providerDedupId(provider, 'rotation-sweep'),
});
