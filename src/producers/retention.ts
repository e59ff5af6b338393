/**
 * How long finished jobs are kept. Completed jobs stay at least 24 h, the Idempotency-Key
 * window (a caller may read the job its key points to for that long), then BullMQ trims them
 * lazily; failed jobs stay 14 days, long enough for the dead-letter reconciler and a person.
 * Only `{age}`/`{count}` objects are valid: `removeOnComplete: true` on a Worker breaks
 * BullMQ's finishing script (reference/bullmq.md §2.5), so it is refused here.
 */
import { IDEMPOTENCY_WINDOW_S } from '../queue/idempotency-store.ts';

export interface KeepJobs {
  /** Seconds after the job finished. */
  age: number;
  count?: number;
}

export interface Retention {
  completed: KeepJobs;
  failed: KeepJobs;
}

export const RETENTION: Retention = checkRetention({
  completed: { age: IDEMPOTENCY_WINDOW_S },
  failed: { age: 14 * 24 * 3600 },
});

export function checkRetention(retention: Retention): Retention {
  for (const [which, keep] of Object.entries(retention) as Array<[string, unknown]>) {
    const k = keep as Partial<KeepJobs> | null;
    if (typeof k !== 'object' || k === null || typeof k.age !== 'number' || !(k.age > 0)) {
      throw new Error(`retention.${which}: must be {age: seconds} (booleans break BullMQ workers)`);
    }
    if (k.count !== undefined) {
      throw new Error(`retention.${which}: a count would trim jobs before their age is reached`);
    }
  }
  if (retention.completed.age < IDEMPOTENCY_WINDOW_S) {
    throw new Error(
      `retention.completed: must keep jobs at least ${IDEMPOTENCY_WINDOW_S} s (the Idempotency-Key window)`,
    );
  }
  return Object.freeze(retention);
}
