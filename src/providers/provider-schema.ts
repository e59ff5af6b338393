/**
 * A provider as written (the `PUT /v1/providers/{id}` body and `provider add`) and as stored.
 * The stored record never holds a secret: a `custom` credential's secret goes to the vault under
 * the owner `provider:<id>`.
 */
import { z } from 'zod';

import { canonicalRef, parseAccountRef } from '../accounts/account-ref.ts';
import { isAppError } from '../errors.ts';
import { ACCESS_KEY_ID, AWS_REGION, providerIdSchema } from '../identifiers.ts';
import { lifecyclePolicySchema, type LifecyclePolicy } from './lifecycle-policy.ts';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const PROVIDER_STATUSES = ['ready', 'degraded', 'missing_permissions', 'unknown'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

/** A linked credential is a managed access-key account of ours: `prod/pam-svc/access-key`. */
function checkLinkedAccount(text: string, ctx: z.core.$RefinementCtx<string>): void {
  try {
    if (parseAccountRef(text).kind !== 'access-key') {
      ctx.addIssue('must be an access-key account, e.g. prod/pam-svc/access-key');
    }
  } catch (err) {
    if (!isAppError(err)) {
      throw err;
    }
    ctx.addIssue(err.message);
  }
}

const credentialInput = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('custom'),
      accessKeyId: z
        .string()
        .regex(ACCESS_KEY_ID, 'must be an access key id (16-128 capital letters and digits)'),
      secretAccessKey: z.string().min(16).max(128),
    })
    .strict(),
  z
    .object({
      type: z.literal('linked'),
      account: z.string().superRefine(checkLinkedAccount),
    })
    .strict(),
  z.object({ type: z.literal('chain') }).strict(),
]);

export const providerInputSchema = z
  .object({
    id: providerIdSchema.optional(),
    description: z.string().max(256).default(''),
    region: z
      .string()
      .regex(AWS_REGION, 'must be an AWS region name, e.g. us-east-1')
      .default('us-east-1'),
    endpoints: z.object({ iam: httpUrl.optional(), sts: httpUrl.optional() }).strict().optional(),
    credential: credentialInput,
    assumeRole: z
      .object({
        roleArn: z
          .string()
          .regex(ROLE_ARN, 'must be a role ARN, e.g. arn:aws:iam::123456789012:role/pam'),
        externalId: z
          .string()
          .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 characters of [\\w+=,.@:/-]')
          .optional(),
      })
      .strict()
      .optional(),
    maxRps: z.number().int().min(1).max(10_000).optional(),
    policy: lifecyclePolicySchema.optional(),
  })
  .strict();

export type ProviderInput = z.infer<typeof providerInputSchema>;

export type StoredCredential =
  { type: 'custom'; accessKeyId: string } | { type: 'linked'; account: string } | { type: 'chain' };

/** What is stored and what `GET`/`provider show` return (never a secret). */
export interface ProviderRecord {
  id: string;
  description: string;
  region: string;
  endpoints?: { iam?: string | undefined; sts?: string | undefined } | undefined;
  credential: StoredCredential;
  assumeRole?: { roleArn: string; externalId?: string | undefined } | undefined;
  /** IAM requests/s budget; absent = IAM_PAM_DEFAULT_MAX_RPS. */
  maxRps?: number | undefined;
  policy: LifecyclePolicy;
  status: ProviderStatus;
  validatedAt?: string | undefined;
  /** Actions the principal may not perform, from the last validation. */
  denied: string[];
  principalArn?: string | undefined;
  /** Why the status is what it is, for people. */
  statusDetail?: string | undefined;
  createdAt: string;
  updatedAt: string;
}

export function toStoredCredential(input: ProviderInput['credential']): StoredCredential {
  switch (input.type) {
    case 'custom':
      return { type: 'custom', accessKeyId: input.accessKeyId };
    case 'linked':
      // Stored canonical (user name lower-cased) so it names the account's vault owner directly.
      return { type: 'linked', account: canonicalRef(parseAccountRef(input.account)) };
    case 'chain':
      return { type: 'chain' };
  }
}
