/**
 * One IAM read of a discovery, retried on its own a bounded number of times when waiting can
 * help (throttling, 5xx, network): a listing of thousands of calls must not restart for one
 * throttled page, and must not wait forever either — once the retries are spent the
 * discovery stops and completes as partial. Anything that is not an IAM answer (a Redis
 * error) is not retried here: the job's own retry resumes the run.
 */
import { AppError, TransientError } from '../../errors.ts';
import { sleep } from '../../sleep.ts';

export interface ReadRetryPolicy {
  /** Tries per read, the first included. */
  attempts: number;
  /** The first wait, doubled each time (with jitter), capped at 5 s. */
  baseDelayMs: number;
}

export const DEFAULT_READ_RETRY: ReadRetryPolicy = { attempts: 5, baseDelayMs: 250 };

/** An IAM read that failed for good: the discovery stops with this reason. */
export class ReadFailed extends Error {
  readonly reason: string;

  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

export async function readWithRetries<T>(
  what: string,
  read: () => Promise<T>,
  options: { policy: ReadRetryPolicy; signal: AbortSignal; onAttempt?: () => void },
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    options.signal.throwIfAborted();
    options.onAttempt?.();
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof AppError)) {
        throw err;
      }
      if (!(err instanceof TransientError) || attempt >= options.policy.attempts) {
        const tries = attempt > 1 ? ` (after ${attempt} tries)` : '';
        throw new ReadFailed(err.code, `${what}: ${err.message}${tries}`, { cause: err });
      }
      const backoff = Math.min(5_000, options.policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(backoff * (0.5 + Math.random() / 2), options.signal);
    }
  }
}
