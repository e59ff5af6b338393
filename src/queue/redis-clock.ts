/**
 * Where an instant of Redis's clock (TIME, µs) falls on this process's monotonic clock, as NTP
 * reckons it: a round trip that read Redis's clock read it somewhere between sending and the
 * answer, so each round trip bounds the offset between the clocks within half its length. The
 * shortest round trip of the last second gives the tightest bound; older ones are dropped, as
 * the two clocks drift apart.
 *
 * `earliest` is a lower bound — the instant cannot have come later on our clock — so a caller
 * measuring how late it is never underestimates it, whatever the answer's own delay was.
 */
const SAMPLE_LIFETIME_MS = 1_000;

export interface RedisClock {
  /**
   * Records a round trip sent at `sentAt`, answered at `answeredAt` (performance.now()), whose
   * script read Redis's clock as `redisUs`; returns the earliest local time of the Redis
   * instant `atUs` (a lower bound, in performance.now() ms).
   */
  earliest(sample: { sentAt: number; answeredAt: number; redisUs: number }, atUs: number): number;
}

export function createRedisClock(): RedisClock {
  // Redis ms minus local ms, and how far off it may be (half its round trip).
  let best: { offsetMs: number; errorMs: number; at: number } | undefined;
  return {
    earliest({ sentAt, answeredAt, redisUs }, atUs) {
      const sample = {
        offsetMs: redisUs / 1000 - (sentAt + answeredAt) / 2,
        errorMs: (answeredAt - sentAt) / 2,
        at: answeredAt,
      };
      if (
        best === undefined ||
        sample.errorMs <= best.errorMs ||
        answeredAt - best.at > SAMPLE_LIFETIME_MS
      ) {
        best = sample;
      }
      // The reading of this very round trip bounds it too (it was taken after `sentAt`).
      const fromThis = sentAt + (atUs - redisUs) / 1000;
      return Math.max(fromThis, atUs / 1000 - best.offsetMs - best.errorMs);
    },
  };
}
