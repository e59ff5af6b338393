/** `heartbeat`: check one managed account against AWS (CONTRACT.md queue `heartbeat`). */
import { z } from 'zod';

import { accountKindSchema, iamUserNameSchema, providerIdSchema } from '../../identifiers.ts';
import { accountDedupId } from '../dedup-ids.ts';
import { defineJob } from '../define-job.ts';

export const heartbeat = defineJob({
  name: 'heartbeat',
  queue: 'heartbeat',
  description:
    'Checks one managed account against AWS without changing anything: an access key by sts:GetCallerIdentity signed with the stored secret, then one ListAccessKeys for foreign keys (more reads only to say why STS refused it); a password by its login profile. Records the verdict (in_sync, secret_invalid, key_missing, …) and, with onOutOfSync: rotate, asks for a rotation.',
  payload: z
    .object({ provider: providerIdSchema, userName: iamUserNameSchema, kind: accountKindSchema })
    .strict(),
  // A read cut short gives no verdict: the job retries (a throttled one is delayed instead).
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  concurrency: 64,
  timeoutMs: 60_000,
  // A sweep enqueues many with one addBulk: the id alone collapses duplicates, no lookup first.
  deduplicationId: (account) => accountDedupId(account, 'heartbeat'),
  provider: ({ provider }) => provider,
});
