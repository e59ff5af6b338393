/**
 * A request-rate ceiling per AWS account over a sliding one-second window: the request that
 * would make more than `maxRps` in the last 1000 ms is refused (Throttling).
 */

export interface RateCeiling {
  /** True when the request is admitted (and counted). */
  admit(accountId: string, now: number, maxRps: number): boolean;
  reset(): void;
}

export function createRateCeiling(): RateCeiling {
  // Per account: the times of the last `capacity` admitted requests, as a ring.
  const windows = new Map<string, { times: number[]; next: number; capacity: number }>();
  return {
    admit(accountId, now, maxRps) {
      const capacity = Math.max(1, Math.floor(maxRps));
      let window = windows.get(accountId);
      if (window === undefined || window.capacity !== capacity) {
        window = { times: new Array<number>(capacity).fill(-Infinity), next: 0, capacity };
        windows.set(accountId, window);
      }
      const oldest = window.times[window.next] ?? -Infinity;
      if (now - oldest < 1000) {
        return false;
      }
      window.times[window.next] = now;
      window.next = (window.next + 1) % capacity;
      return true;
    },
    reset() {
      windows.clear();
    },
  };
}
