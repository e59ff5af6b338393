/** `validate-provider`: the prerequisite check of one provider (CONTRACT.md queue `validate`). */
import { z } from 'zod';

import { providerIdSchema } from '../../identifiers.ts';
import { providerDedupId } from '../dedup-ids.ts';
import { defineJob } from '../define-job.ts';

export const validateProvider = defineJob({
  name: 'validate-provider',
  queue: 'validate',
  description:
    "Checks who the provider's principal is (sts:GetCallerIdentity, iam:GetUser) and which of the actions iam-pam needs it may perform (iam:SimulatePrincipalPolicy); records ready, degraded, missing_permissions or unknown.",
  payload: z.object({ provider: providerIdSchema }).strict(),
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  concurrency: 4,
  timeoutMs: 120_000,
  deduplicationId: ({ provider }) => providerDedupId(provider, 'validate-provider'),
  provider: ({ provider }) => provider,
});
