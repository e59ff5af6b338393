/** `discover`: list a provider's IAM users and their access keys (CONTRACT.md queue `discovery`). */
import { z } from 'zod';

import { IAM_PATH_PREFIX, providerIdSchema } from '../../identifiers.ts';
import { providerDedupId } from '../dedup-ids.ts';
import { defineJob } from '../define-job.ts';

export const iamPathPrefix = z
  .string()
  .regex(
    IAM_PATH_PREFIX,
    'must be an IAM path prefix: "/" then up to 511 printable ASCII characters, e.g. /engineering/',
  );

export const discover = defineJob({
  name: 'discover',
  queue: 'discovery',
  description:
    'Lists every IAM user (ListUsers, all pages, optionally under a path prefix) and each user’s access keys (ListAccessKeys; GetLoginProfile too with the policy’s discoverLoginProfiles), records the snapshot and its diff against the last complete one. Resumes where a killed worker stopped; a listing cut short completes with partial: true and reports no removals.',
  payload: z.object({ provider: providerIdSchema, pathPrefix: iamPathPrefix.optional() }).strict(),
  // The listing itself retries each read; these attempts cover Redis or process trouble, and
  // each resumes the run where it stopped.
  retry: { attempts: 4, backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 } },
  concurrency: 2,
  timeoutMs: 3_600_000,
  deduplicationId: ({ provider }) => providerDedupId(provider, 'discover'),
  provider: ({ provider }) => provider,
});
