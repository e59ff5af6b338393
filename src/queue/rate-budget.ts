/**
 * Each provider's IAM requests/s budget, shared by every worker process through Redis.
 *
 * Why GCRA in a Lua script rather than rate-limiter-flexible: its limiters are fixed windows,
 * so up to twice the budget can pass around a window edge (the last instant of one second and
 * the first of the next), and the budget must hold over ANY sliding 5 s window, idle spells
 * followed by bursts included. GCRA (the generic cell rate algorithm) has no windows: one
 * number per provider, the theoretical arrival time (TAT), spaces requests exactly
 * 1/budget apart, with no burst allowance, so n requests always span at least (n-1)/budget
 * seconds, whoever sends them. The clock is Redis's own (TIME), the same for every process.
 *
 * Requests are *reserved*: the script books the next free slot and says how long to wait for
 * it, so waiting callers never retry in a storm and are served in booking order. The budget
 * holds at the wire, not only at booking: a caller that would send more than half an interval
 * (at least 50 ms) after its slot (a process paused after booking, an answer read late, a timer that fired late)
 * books again instead of packing its request against the ones booked after it. A caller that
 * would wait longer than `maxWaitMs` books nothing and gets TransientError `iam_throttled`,
 * which delays that job only (never the queue). A throttling answer from IAM pushes the
 * provider's TAT forward (`penalize`): every process backs off that provider, no other.
 */
import { TransientError } from '../errors.ts';
import type { Keys } from '../keys.ts';
import { sleep } from '../sleep.ts';
import { createRedisClock } from './redis-clock.ts';
import { defineScript, runScript } from './run-script.ts';
import type { RedisConnection } from './redis-connections.ts';

// KEYS[1] budget; ARGV[1] interval µs, ARGV[2] max wait µs. Returns {wait µs, 0, Redis's clock
// µs} or {-1, wait µs}.
const RESERVE = defineScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return {-1, math.floor(wait)} end
local nextTat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 1000)
return {math.floor(wait), 0, now}
`);

// KEYS[1] budget; ARGV[1] back-off µs. No request of this provider is booked before now + back-off.
const PENALIZE = defineScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = now + tonumber(ARGV[1])
if tat < floor then tat = floor end
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return 1
`);

/** A provider's budget in requests/s (the providers issue reads `maxRps`). */
export type BudgetOf = (providerId: string) => Promise<number>;

export interface RateBudget {
  /**
   * Resolves when this request may be sent (in ms waited): no more than half an interval (at
   * least 25 ms) after its slot, booking again otherwise. Rejects `iam_throttled` if booked too far ahead.
   */
  acquire(providerId: string, signal?: AbortSignal): Promise<number>;
  /** Makes every process hold this provider's requests for `ms` (after a throttling answer). */
  penalize(providerId: string, ms: number): Promise<void>;
}

export interface RateBudgetOptions {
  redis: RedisConnection;
  keys: Keys;
  budgetOf: BudgetOf;
  /** Longest a request waits for its slot before its job is delayed instead; default 30 s. */
  maxWaitMs?: number;
  /** How long a provider's budget is cached in this process; default 2 s. */
  budgetCacheMs?: number;
}

/** 1% slower than the budget: timer and network jitter never push a window over it. */
const SAFETY = 1.01;
/** Bookings one request may make when each is missed (an overloaded process): then it is delayed. */
const MAX_BOOKINGS = 8;
/**
 * How late after its slot a request may still go: half an interval, but never under 50 ms. At
 * high budgets half an interval is under a millisecond — less than a Redis round trip or a
 * busy event loop's timer lag — so requests booked again until they gave up (a 1,000 req/s
 * discovery on a loaded machine went partial). 50 ms stays within the 1% SAFETY margin over the
 * 5-s windows the budget holds over: (5 s + 50 ms) × budget ÷ 1.01 = 5 s × budget.
 */
const MIN_LATENESS_US = 50_000;

export function createRateBudget(options: RateBudgetOptions): RateBudget {
  const { redis, keys } = options;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const cacheMs = options.budgetCacheMs ?? 2_000;
  const cache = new Map<string, { rps: number; until: number }>();
  const redisClock = createRedisClock();

  async function rpsOf(providerId: string): Promise<number> {
    const hit = cache.get(providerId);
    if (hit !== undefined && hit.until > Date.now()) {
      return hit.rps;
    }
    const rps = await options.budgetOf(providerId);
    if (!(rps > 0)) {
      throw new TransientError('internal', `provider ${providerId} has no usable rate budget`);
    }
    cache.set(providerId, { rps, until: Date.now() + cacheMs });
    return rps;
  }

  return {
    async acquire(providerId, signal) {
      signal?.throwIfAborted();
      const rps = await rpsOf(providerId);
      const intervalUs = Math.ceil((1_000_000 / rps) * SAFETY);
      const started = performance.now();
      for (let booking = 1; ; booking += 1) {
        const sentAt = performance.now();
        const [waitUs, bookedUs, redisUs] = (await runScript(
          redis,
          RESERVE,
          [keys.rateBudget(providerId)],
          [intervalUs, maxWaitMs * 1000],
        )) as [number, number, number];
        if (waitUs < 0) {
          throw new TransientError(
            'iam_throttled',
            `provider ${providerId}: its rate budget (${rps}/s) is booked ${Math.round(bookedUs / 1000)} ms ahead`,
            { retryAfterMs: Math.round(bookedUs / 1000) },
          );
        }
        // When the slot was on our clock, at the earliest: an answer read late counts as late.
        const slotAt = redisClock.earliest(
          { sentAt, answeredAt: performance.now(), redisUs },
          redisUs + waitUs,
        );
        // Waited from the answer, as before: never sent before the slot.
        const waitMs = waitUs / 1000;
        if (waitMs >= 1) {
          await sleep(waitMs, signal);
        }
        const toleranceUs = Math.max(intervalUs / 2, MIN_LATENESS_US);
        if ((performance.now() - slotAt) * 1000 <= toleranceUs) {
          return performance.now() - started;
        }
        if (booking >= MAX_BOOKINGS) {
          throw new TransientError(
            'iam_throttled',
            `provider ${providerId}: ${booking} slots of its rate budget (${rps}/s) in a row were missed by more than ${Math.round(toleranceUs / 1000)} ms (this process is paused or overloaded); the request was not sent`,
            { retryAfterMs: Math.ceil(intervalUs / 1000) },
          );
        }
      }
    },
    async penalize(providerId, ms) {
      await runScript(redis, PENALIZE, [keys.rateBudget(providerId)], [Math.round(ms * 1000)]);
    },
  };
}
