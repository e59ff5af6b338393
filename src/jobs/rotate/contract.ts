/**
 * The rotation queue's jobs (CONTRACT.md queue `rotation`): `rotate`, declared once for every
 * kind, and the delayed retirement of an access key's old key (`deactivate-old-key`,
 * `delete-old-key`). Each holds the IAM user's lease while it runs (DESIGN.md invariant 5).
 */
import { z } from 'zod';

import {
  accessKeyIdSchema,
  accountKindSchema,
  iamUserNameSchema,
  providerIdSchema,
} from '../../identifiers.ts';
import { accountDedupId } from '../dedup-ids.ts';
import { defineJob } from '../define-job.ts';

export const rotate = defineJob({
  name: 'rotate',
  queue: 'rotation',
  description:
    "Rotates one managed account's credential in journaled steps (an access key: plan, intent, create, verify, promote, tag, retire the old key; a password: plan, store pending, apply, promote). A retry, a dead-letter replay or another worker resumes at the first step not journaled.",
  payload: z
    .object({
      provider: providerIdSchema,
      userName: iamUserNameSchema,
      kind: accountKindSchema,
      /** Why (`manual`, `schedule`, `heartbeat:key_missing`, `import`): journaled and in events. */
      reason: z
        .string()
        .min(1)
        .max(100)
        .regex(/^[\w:.-]+$/)
        .optional(),
    })
    .strict(),
  // Each step converges, so retrying is safe; the journal keeps what is done.
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  concurrency: 8,
  // The verify poll alone may take verifyTimeoutSeconds (90 s by default).
  timeoutMs: 300_000,
  deduplicationId: (account) => accountDedupId(account, 'rotate'),
  provider: ({ provider }) => provider,
  lockedUser: ({ provider, userName }) => ({ provider, userName }),
});

const oldKeyPayload = z
  .object({
    provider: providerIdSchema,
    userName: iamUserNameSchema,
    accessKeyId: accessKeyIdSchema,
  })
  .strict();

/** Runs `overlapSeconds` after a promotion: the old access key goes Inactive. */
export const deactivateOldKey = defineJob({
  name: 'deactivate-old-key',
  queue: 'rotation',
  description:
    "Deactivates an access key's previous key once the overlap after its rotation has passed (UpdateAccessKey Inactive), then deletes it unless a grace period follows.",
  payload: oldKeyPayload,
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  concurrency: 8,
  // Deactivating may first wait IAM_PAM_KEY_DRAIN_TIMEOUT_S (45 s) for calls signed with the key.
  timeoutMs: 120_000,
  deduplicationId: ({ provider, userName }) =>
    accountDedupId({ provider, userName, kind: 'access-key' }, 'deactivate-old-key'),
  provider: ({ provider }) => provider,
  lockedUser: ({ provider, userName }) => ({ provider, userName }),
});

/** Runs `deleteGraceSeconds` after deactivation: the old access key is deleted and untagged. */
export const deleteOldKey = defineJob({
  ...deactivateOldKey,
  name: 'delete-old-key',
  description:
    "Deletes an access key's previous, Inactive key once its grace period has passed (DeleteAccessKey; gone already counts as done), and removes its tag.",
  deduplicationId: ({ provider, userName }) =>
    accountDedupId({ provider, userName, kind: 'access-key' }, 'delete-old-key'),
});
