/**
 * The per-provider lifecycle policy (CONTRACT.md): schedules, what an out-of-sync verdict does,
 * how old keys are retired, and the password policy. Validated field by field; unknown fields
 * are refused so a typo never silently falls back to a default.
 */
import { z } from 'zod';

import { explicitPasswordPolicy as explicitPasswordRules } from '../passwords/password-policy-sources.ts';
import { unsatisfiableReason } from '../passwords/password-policy.ts';

const explicitPasswordPolicyFields = z
  .object({
    minLength: z.number().int().min(8).max(128).default(14),
    maxLength: z.number().int().min(8).max(128).default(128),
    requireUppercase: z.boolean().default(true),
    requireLowercase: z.boolean().default(true),
    requireNumbers: z.boolean().default(true),
    requireSymbols: z.boolean().default(true),
    excludeCharacters: z.string().max(64).default(''),
  })
  .strict();

export type ExplicitPasswordPolicy = z.infer<typeof explicitPasswordPolicyFields>;

const explicitPasswordPolicy = explicitPasswordPolicyFields
  .refine((p) => p.minLength <= p.maxLength, {
    message: 'minLength must not exceed maxLength',
    path: ['minLength'],
  })
  .superRefine((p, ctx) => {
    // A required class whose every character is excluded: refused when written, not at rotation.
    const reason =
      p.minLength <= p.maxLength ? unsatisfiableReason(explicitPasswordRules(p)) : undefined;
    if (reason !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `no password can satisfy it: ${reason}`,
        path: ['excludeCharacters'],
      });
    }
  });

const schedule = (max: number) => z.number().int().min(1).max(max).nullable();

export const lifecyclePolicySchema = z
  .object({
    rotateEveryDays: schedule(3650).default(90),
    heartbeatEveryMinutes: schedule(525_600).default(60),
    discoverEveryHours: schedule(8760).default(24),
    onOutOfSync: z.enum(['alert', 'rotate']).default('alert'),
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(0),
    deleteGraceSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 86_400)
      .default(0),
    removeInactiveForeignKeys: z.boolean().default(false),
    verifyTimeoutSeconds: z.number().int().min(5).max(3600).default(90),
    passwordPolicy: z
      .union([z.enum(['aws-account', 'aws-default']), explicitPasswordPolicy])
      .default('aws-account'),
    passwordResetRequired: z.boolean().default(false),
    /** Discovery also calls GetLoginProfile per user (twice the calls). */
    discoverLoginProfiles: z.boolean().default(false),
    /**
     * What a complete discovery that is not the first does with the users it finds `added`:
     * `manage` imports their access-key accounts, `manage-and-reset` also rotates them.
     */
    autoImport: z.enum(['off', 'manage', 'manage-and-reset']).default('off'),
  })
  .strict();

export type LifecyclePolicy = z.infer<typeof lifecyclePolicySchema>;

export const DEFAULT_LIFECYCLE_POLICY: LifecyclePolicy = lifecyclePolicySchema.parse({});

/** Reads `key=value` pairs from `provider policy --set` (values are JSON, or bare words). */
export function parsePolicyAssignments(assignments: readonly string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) {
      throw new Error(`--set ${assignment}: expected key=value, e.g. --set rotateEveryDays=30`);
    }
    const key = assignment.slice(0, at);
    const raw = assignment.slice(at + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    patch[key] = value;
  }
  return patch;
}
