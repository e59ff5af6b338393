/** Where a Redis instant falls on our clock: never later than it did, tight after a short round trip. */
import { describe, expect, it } from 'vitest';

import { createRedisClock } from '../../../src/queue/redis-clock.ts';

// Redis's clock runs 1_000_000 ms ahead of ours; it is read `readAfter` ms into each round trip.
const OFFSET_MS = 1_000_000;
const trip = (sentAt: number, lengthMs: number, readAfter: number) => ({
  sentAt,
  answeredAt: sentAt + lengthMs,
  redisUs: (sentAt + readAfter + OFFSET_MS) * 1000,
});

describe('the Redis clock', () => {
  it('bounds an instant from below, whenever in the round trip Redis read its clock', () => {
    for (const readAfter of [0, 250, 500]) {
      const clock = createRedisClock();
      const slotUs = (100 + OFFSET_MS) * 1000;
      // A 500 ms round trip (an answer read late): the slot cannot be placed later than it was.
      expect(clock.earliest(trip(0, 500, readAfter), slotUs)).toBeLessThanOrEqual(100);
    }
  });

  it('uses the shortest recent round trip: an answer read late is seen as late', () => {
    const clock = createRedisClock();
    clock.earliest(trip(0, 2, 1), 0);
    // Redis read its clock at once; the answer came 1 s later. The slot (at the reading) was at 10.
    const slot = clock.earliest(trip(10, 1_000, 0), (10 + OFFSET_MS) * 1000);
    expect(slot).toBeGreaterThanOrEqual(8);
    expect(slot).toBeLessThanOrEqual(10);
  });

  it('forgets a sample older than a second: the clocks drift apart', () => {
    const clock = createRedisClock();
    clock.earliest(trip(0, 2, 1), 0);
    // 5 s later Redis's clock has drifted 50 ms further ahead; the old sample would place the
    // slot (read at once, at 5_000 on our clock) 49 ms later than it was.
    const drifted = { sentAt: 5_000, answeredAt: 5_400, redisUs: (5_050 + OFFSET_MS) * 1000 };
    expect(clock.earliest(drifted, drifted.redisUs)).toBeLessThanOrEqual(5_000);
  });
});
