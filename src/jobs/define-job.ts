/**
 * The vocabulary of work: a job is declared once (its contract) and run by a plain async
 * handler that knows nothing about BullMQ. Producers, workers, the dashboard and
 * `/v1/jobs/schemas` all derive from the contract.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';

import type { Failpoints } from '../failpoints.ts';
import type { CredentialVerifier, IamGateway } from '../iam/iam-gateway.ts';
import type { UserRef } from '../identifiers.ts';
import type { EmitEvent } from './events.ts';
import type { QueueName, WorkQueueName } from './queues.ts';

/** How a failed run is retried (BullMQ's `attempts` and `backoff`). */
export interface RetryPolicy {
  /** Total runs, the first included. 1 means never retry. */
  readonly attempts: number;
  /** `exponential`: delay × 2^(retry-1) ms; `jitter` 0..1 randomises that much of each wait. */
  readonly backoff: {
    readonly type: 'exponential' | 'fixed';
    readonly delay: number;
    readonly jitter?: number;
  };
}

/** Everything producers, workers and the dashboard need to know about one kind of job. */
export interface JobContract<Name extends string = string, Payload extends z.ZodType = z.ZodType> {
  /** The BullMQ job name. Persisted in Redis: renaming orphans queued jobs. */
  readonly name: Name;
  readonly queue: WorkQueueName;
  readonly description: string;
  /** References only (provider, user name, kind), never a secret. */
  readonly payload: Payload;
  readonly retry: RetryPolicy;
  /** At most this many jobs of this kind run at once in one worker process. */
  readonly concurrency: number;
  /** The deadline of one run, in ms: the handler's signal aborts then and the run fails. */
  readonly timeoutMs: number;
  // Methods, not properties: a concrete contract stays assignable to JobContract<string, ZodType>.
  /** Same work, same id: a duplicate enqueued while the first is live collapses into it. */
  deduplicationId?(payload: z.output<Payload>): string;
  /** The provider whose rate budget and throttling this job is subject to. */
  provider?(payload: z.output<Payload>): string;
  /**
   * Set for jobs that mutate an IAM user: the engine holds that user's lease while it runs, so
   * one such job runs at a time per user, across all workers.
   */
  lockedUser?(payload: z.output<Payload>): UserRef;
}

/** What a write on an IAM user's behalf shows to prove it holds the user's lease. */
export interface Fence {
  readonly user: UserRef;
  /** The counter part of the lease value, for logs and journal records only; never compare it. */
  readonly fencingToken: number;
  /**
   * The whole lease value Redis holds under `keys.userLease(...)` while the lease is ours: what
   * every fenced script (journal, vault) compares (queue/lease-guard.ts).
   */
  readonly value: string;
}

/** The lease on one IAM user, held for the whole run of a job whose contract has `lockedUser`. */
export interface UserLease extends Fence {
  /** ms until the lease may have passed to another worker (margin taken); <= 0: lost. */
  remainingMs(): number;
  /** Throws TransientError `lease_lost` unless remainingMs() > needMs. No Redis round trip. */
  assertTimeLeft(needMs: number): void;
  /** Throws TransientError `lease_lost` unless Redis still holds our value. */
  assertHeld(): Promise<void>;
}

/** A JSON value for `progress`: a percentage or an object such as `{step: 'verify'}`. */
export type JobProgress = number | Record<string, unknown>;

/** What a job returns: ids, verdicts and counts, never secrets. */
export type JobResult = Record<string, unknown>;

export interface EnqueuedJob {
  queue: QueueName;
  jobId: string;
}

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** An `Idempotency-Key` and whose it is (the API token's name): same key, same job, 24 h. */
  idempotencyKey?: { scope: string; key: string };
  /**
   * Refuses before enqueueing (e.g. 409 `rotation_in_progress`). With an Idempotency-Key it
   * runs only for a new key: a retried request gets its job back, not a refusal its own job caused.
   */
  check?: () => Promise<void>;
}

/**
 * Validates the payload and enqueues a job of `contract`: how handlers start follow-up work
 * without depending on BullMQ, and how the API, the CLI and upstream systems enqueue.
 * `producers/create-enqueue.ts` implements it.
 */
export type EnqueueJob = <C extends JobContract>(
  contract: C,
  payload: z.input<C['payload']>,
  options?: EnqueueOptions,
) => Promise<EnqueuedJob>;

/**
 * What the engine composes once for each run (as Temporal's interceptors do), so no handler
 * wires the abort signal, the budget, the audit or the fence by hand.
 */
export interface RunScope {
  /**
   * The job's provider's IAM for this run: no call starts once the run is aborted, every request
   * is paced by the provider's budget, and every mutation is audited — `attempted` before it is
   * sent, settled after (DESIGN.md invariant 9). Throws when the contract names no provider.
   */
  readonly iam: IamGateway;
  /** sts:GetCallerIdentity signed with a given key, through the provider's budget. */
  readonly verifier: CredentialVerifier;
  /** The user lease as a fence for journal and vault writes (contracts with `lockedUser`). */
  readonly fence: Fence | undefined;
  /** Who acts, for the audit: `job:<queue>/<jobId>`. */
  readonly actor: string;
  readonly failpoints: Failpoints;
  /**
   * Settles the mutations of `account` an earlier run sent and never settled (it died
   * mid-call): what a resumed run does first. Returns how many.
   */
  settleLeftovers(account: string): Promise<number>;
}

/**
 * Many jobs of one kind in one round trip (BullMQ `addBulk`), each validated and deduplicated
 * like a single enqueue; `delayMs(i)` delays the i-th. What a sweep uses to fan work out.
 * `producers/enqueue-bulk.ts` implements it.
 */
export type EnqueueBulk = <C extends JobContract>(
  contract: C,
  payloads: ReadonlyArray<z.input<C['payload']>>,
  options?: { delayMs?: (index: number) => number | undefined },
) => Promise<EnqueuedJob[]>;

/** Facts about one run, and what a handler may do besides its own work. */
export interface JobContext {
  /** Carries `{queue, job, jobId, attempt}`. */
  readonly log: Logger;
  /**
   * Aborts at the contract's deadline, when the lease's own deadline passes or Redis says it is
   * no longer ours, when the job's BullMQ lock is lost, or when the worker cancels the job.
   */
  readonly signal: AbortSignal;
  readonly queue: WorkQueueName;
  readonly jobId: string;
  /** 1 on the first run, 2 on the first retry. */
  readonly attempt: number;
  /** Present when the contract has `lockedUser`. */
  readonly lease: UserLease | undefined;
  /** The run's IAM, fence and failpoints, composed by the engine. */
  readonly scope: RunScope;
  progress(progress: JobProgress): Promise<void>;
  enqueue: EnqueueJob;
  emit: EmitEvent;
  /**
   * Records the job's own state (e.g. a rotation journal) for the dead-letter entry, should
   * this run end the job's life. The latest snapshot wins. No secrets.
   */
  attachState(snapshot: Record<string, unknown>): void;
}

export type PayloadOf<C extends JobContract> = z.output<C['payload']>;

export type JobHandler<C extends JobContract = JobContract> = (
  payload: PayloadOf<C>,
  ctx: JobContext,
) => Promise<JobResult | void>;

/** Identity at runtime; keeps `name` literal and types the methods from the schema. */
export function defineJob<Name extends string, Payload extends z.ZodType>(
  contract: JobContract<Name, Payload>,
): JobContract<Name, Payload> {
  return contract;
}
