/**
 * The one place where our errors become BullMQ's: PermanentError → UnrecoverableError (no
 * retry, dead-letter), TransientError and the unknown → a plain Error (retry with the
 * contract's exponential backoff and jitter), and a throttled provider → this job alone is
 * delayed (`moveToDelayed` + DelayedError: no attempt burnt, no other provider slowed), while
 * the provider's budget backs off in every process. Every failure text starts with the
 * snake_case reason (failure-reason.ts).
 */
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';

import { AppError, PermanentError, TransientError } from '../errors.ts';
import { type Logger, scrubSecrets } from '../logger.ts';
import type { EngineMetrics, RunOutcome } from '../metrics/engine-metrics.ts';
import { formatFailure, scrubFailureText } from '../queue/failure-reason.ts';
import type { RateBudget } from '../queue/rate-budget.ts';

/** How long every process holds a provider's requests after IAM said "throttled". */
const THROTTLE_BACKOFF_MS = 1_000;
const MAX_THROTTLE_DELAY_MS = 30_000;

export interface FailureContext {
  job: Job;
  token: string | undefined;
  queue: string;
  provider: string | undefined;
  budget: Pick<RateBudget, 'penalize'>;
  metrics: EngineMetrics;
  log: Logger;
  /** Persists the state the handler attached, for the dead-letter entry. */
  saveState(): Promise<void>;
}

/** Delays the job without burning an attempt; returns the error that tells BullMQ so. */
export async function deferJob(job: Job, token: string, delayMs: number): Promise<DelayedError> {
  await job.moveToDelayed(Date.now() + Math.max(1, Math.round(delayMs)), token);
  return new DelayedError();
}

/**
 * How long to defer a job that could not run yet: `baseMs`, doubled for each earlier deferral
 * of this job (a deferral starts the job without making an attempt), up to `maxMs`. Unjittered:
 * callers spread it as their wait needs.
 */
export function deferralBackoffMs(job: Job, baseMs: number, maxMs: number): number {
  const deferrals = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  return Math.min(maxMs, baseMs * 2 ** Math.min(deferrals, 5));
}

/** 1 s, 2 s, 4 s … 30 s (jittered down by up to half), never sooner than IAM asked. */
function throttleDelayMs(job: Job, retryAfterMs: number | undefined): number {
  const backoff = deferralBackoffMs(job, 1_000, MAX_THROTTLE_DELAY_MS);
  return Math.max(retryAfterMs ?? 0, backoff * (0.5 + Math.random() / 2));
}

/** The error as logged: serialized, its message and stack scrubbed as the stored text is. */
function scrubbedError(err: unknown): unknown {
  const serialized = scrubSecrets(err);
  if (typeof serialized !== 'object' || serialized === null) {
    return scrubFailureText(String(serialized));
  }
  const texts = serialized as { message?: unknown; stack?: unknown };
  return {
    ...serialized,
    ...(typeof texts.message === 'string' ? { message: scrubFailureText(texts.message) } : {}),
    ...(typeof texts.stack === 'string' ? { stack: scrubFailureText(texts.stack) } : {}),
  };
}

export async function settleFailure(
  err: unknown,
  c: FailureContext,
): Promise<{ error: Error; outcome: RunOutcome }> {
  if (err instanceof DelayedError) {
    return { error: err, outcome: 'deferred' };
  }
  const app = err instanceof AppError ? err : undefined;
  if (app?.code === 'iam_throttled' && c.provider !== undefined && c.token !== undefined) {
    const provider = c.provider;
    const delayMs = throttleDelayMs(
      c.job,
      app instanceof TransientError ? app.retryAfterMs : undefined,
    );
    await c.budget
      .penalize(provider, THROTTLE_BACKOFF_MS)
      .catch((e: unknown) => c.log.warn({ err: e }, 'could not back off the rate budget'));
    c.metrics.throttles.inc({ provider, queue: c.queue });
    c.log.info({ provider, delayMs: Math.round(delayMs) }, 'provider throttled: job delayed');
    return { error: await deferJob(c.job, c.token, delayMs), outcome: 'deferred' };
  }
  const reason = app?.code ?? 'internal';
  // BullMQ keeps this text (and the stack of the error carrying it) with the failed job.
  const message = scrubFailureText(
    formatFailure(reason, err instanceof Error ? err.message : String(err)),
  );
  const permanent = err instanceof PermanentError;
  const final = permanent || c.job.attemptsMade + 1 >= (c.job.opts.attempts ?? 1);
  if (final) {
    await c.saveState().catch((e: unknown) => c.log.warn({ err: e }, 'could not save job state'));
  }
  c.log[final ? 'error' : 'warn'](
    { err: scrubbedError(err), reason, final },
    final ? 'job failed for good' : 'job failed; it will retry',
  );
  return {
    error: permanent ? new UnrecoverableError(message) : new Error(message),
    outcome: final ? 'failed' : 'retried',
  };
}
