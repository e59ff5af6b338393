/**
 * The fault configuration behind `PUT /_sandbox/faults` (CONTRACT.md), plus two extras: `errors`
 * (answer an action with a chosen AWS error, e.g. ConcurrentModification) and `maxPageItems`
 * (IAM "might return fewer results" than MaxItems). A PUT replaces the whole set; what it
 * omits takes the sandbox's start-up value.
 */
import { z } from 'zod';

import { ACTION_NAMES } from '../actions/registry.ts';

export const INJECTABLE_ERRORS = [
  'Throttling',
  'ServiceFailure',
  'ConcurrentModification',
  'EntityTemporarilyUnmodifiable',
  'InternalFailure',
  'ServiceUnavailable',
] as const;
export type InjectableError = (typeof INJECTABLE_ERRORS)[number];

const action = z.string().refine((name) => ACTION_NAMES.has(name), {
  message: 'unknown action (use the wire name, e.g. CreateAccessKey)',
});
const times = z.number().int().min(1).default(1);

export interface Faults {
  latencyMs: number;
  latencyJitterMs: number;
  /** Fraction of calls answered Throttling (400). */
  throttleRate: number;
  /** Fraction of calls answered ServiceFailure (500). */
  failureRate: number;
  /** Requests per second per AWS account; beyond it, Throttling. null: no ceiling. */
  maxRps: number | null;
  /** New keys answer InvalidClientTokenId for this long. */
  propagationDelayMs: number;
  /** Apply the action, then close the connection without answering. */
  dropResponse: Array<{ action: string; times: number }>;
  /** Apply the action, then hold the answer until `POST /_sandbox/release/{seq}`. */
  holdAfter: Array<{ action: string; times: number }>;
  /**
   * Hold the request on arrival — before it is authenticated or applied — until
   * `POST /_sandbox/release/{seq}`; then it goes on as if it had just arrived.
   */
  holdBefore: Array<{ action: string; times: number }>;
  /** Answer the action with this error instead of applying it. */
  errors: Array<{ action: string; code: InjectableError; times: number }>;
  maxPageItems: number | null;
}

export function createFaultsSchema(startup: { latencyMs: number; propagationDelayMs: number }) {
  return z
    .object({
      latencyMs: z.number().int().min(0).max(600_000).default(startup.latencyMs),
      latencyJitterMs: z.number().int().min(0).max(600_000).default(0),
      throttleRate: z.number().min(0).max(1).default(0),
      failureRate: z.number().min(0).max(1).default(0),
      maxRps: z.number().positive().nullable().default(null),
      propagationDelayMs: z.number().int().min(0).default(startup.propagationDelayMs),
      dropResponse: z.array(z.object({ action, times }).strict()).default([]),
      holdAfter: z.array(z.object({ action, times }).strict()).default([]),
      holdBefore: z.array(z.object({ action, times }).strict()).default([]),
      errors: z
        .array(z.object({ action, code: z.enum(INJECTABLE_ERRORS), times }).strict())
        .default([]),
      maxPageItems: z.number().int().min(1).nullable().default(null),
    })
    .strict();
}

export type FaultsInput = z.input<ReturnType<typeof createFaultsSchema>>;
