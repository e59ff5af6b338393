/**
 * Spaces this run's reads at the provider's budget before they are built, so a read in flight
 * waits here, as a bare promise, instead of inside the SDK with its request built and signed:
 * V8 promotes what waits long and keeps it until a full collection, which is what a discovery's
 * memory peak is made of. The shared budget (GCRA in Redis) still decides when each request is
 * sent; the pacer only keeps its wait short (at most `aheadMs`).
 */
import { sleep } from '../../sleep.ts';

/** The rate budget's own margin (queue/rate-budget.ts): the pacer never runs ahead of it. */
const BUDGET_MARGIN = 1.01;

export function createPacer(
  perSecond: number,
  signal: AbortSignal,
  aheadMs = 25,
): () => Promise<void> {
  const intervalMs = (1000 * BUDGET_MARGIN) / perSecond;
  let next = 0;
  return async () => {
    const now = performance.now();
    const slot = Math.max(now, next);
    next = slot + intervalMs;
    const waitMs = slot - now - aheadMs;
    if (waitMs > 0) {
      await sleep(waitMs, signal);
    }
  };
}
