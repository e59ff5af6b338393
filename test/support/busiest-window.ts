/** For rate checks: the most events in any sliding window, from their times. */

/** The most events in any window [t, t + windowMs). */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    while (j < sorted.length && sorted[j]! - sorted[i]! < windowMs) {
      j += 1;
    }
    best = Math.max(best, j - i);
  }
  return best;
}
