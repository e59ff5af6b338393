/**
 * Which processes have an IAM call in flight signed with a given access key (DESIGN.md "The
 * provider's own key"), so that deactivating a key can wait until nothing signed with it is
 * still on its way. Per key, a sorted set of process ids scored by when each entry expires
 * (Redis's clock plus the lease, IAM_PAM_JOB_LOCK_MS): a process adds its entry when its first
 * such call starts, keeps it fresh while it has any, and removes it when the last one ends. A
 * killed or stopped process cannot refresh, so its entry expires by itself: a count never
 * sticks. `drain` waits until no live entry is left, bounded by a timeout.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import type { InFlightDrain } from '../iam/iam-gateway.ts';
import type { Keys } from '../keys.ts';
import { sleep } from '../sleep.ts';
import type { RedisConnection } from './redis-connections.ts';
import { defineScript, runScript } from './run-script.ts';

// KEYS[1] the key's set; ARGV[1] process id, ARGV[2] TTL ms. TIME: effects replication (Redis ≥ 5).
const HOLD = defineScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
`);

// KEYS[1] the key's set. Drops expired entries; returns the process ids still holding the key.
const LIVE = defineScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`);

export interface SigningHold {
  /**
   * True when this hold made the process's entry visible (its first call with the key): the
   * caller re-checks the credential version, since a drain may have looked before the entry.
   */
  readonly announced: boolean;
  release(): void;
}

/** What waiting for a key's calls in flight came to; goes into the deactivation's result. */
export type DrainOutcome = InFlightDrain;

export interface SigningRegistry {
  /**
   * This registry's id in the sets: host, pid and a random part of its own (two domains in one
   * process count their calls apart). Host and pid are those the user agent of every IAM call
   * names (process-identity.ts), so the request log shows which calls a holder made.
   */
  readonly processId: string;
  /** Marks one call signed with `accessKeyId` in flight until `release`. */
  hold(accessKeyId: string): Promise<SigningHold>;
  /** Waits until no process holds `accessKeyId` (expired entries do not count), or the timeout. */
  drain(accessKeyId: string, timeoutMs: number): Promise<DrainOutcome>;
  /** The processes holding `accessKeyId` now. */
  holders(accessKeyId: string): Promise<string[]>;
  close(): void;
}

const DRAIN_POLL_MS = 100;

export function createSigningRegistry(options: {
  redis: RedisConnection;
  keys: Pick<Keys, 'signingKey'>;
  /** How long an entry lives without a refresh (IAM_PAM_JOB_LOCK_MS). */
  ttlMs: number;
  onError?: (err: unknown) => void;
}): SigningRegistry {
  const { redis, keys, ttlMs } = options;
  const processId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Calls in flight per key in this process, and the write that made the entry visible. */
  const local = new Map<string, { count: number; visible: Promise<unknown> }>();
  let refresher: NodeJS.Timeout | undefined;

  const announce = (accessKeyId: string) =>
    runScript(redis, HOLD, [keys.signingKey(accessKeyId)], [processId, ttlMs]);

  function startRefresher() {
    refresher ??= setInterval(
      () => {
        for (const accessKeyId of local.keys()) {
          announce(accessKeyId).catch((err: unknown) => options.onError?.(err));
        }
        if (local.size === 0 && refresher !== undefined) {
          clearInterval(refresher);
          refresher = undefined;
        }
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    refresher.unref();
  }

  async function liveHolders(accessKeyId: string): Promise<string[]> {
    return (await runScript(redis, LIVE, [keys.signingKey(accessKeyId)], [])) as string[];
  }

  return {
    processId,
    async hold(accessKeyId) {
      let entry = local.get(accessKeyId);
      const first = entry === undefined;
      if (entry === undefined) {
        entry = { count: 0, visible: announce(accessKeyId) };
        local.set(accessKeyId, entry);
        startRefresher();
      }
      entry.count += 1;
      const held = entry;
      let released = false;
      const release = () => {
        if (released) {
          return;
        }
        released = true;
        held.count -= 1;
        if (held.count === 0 && local.get(accessKeyId) === held) {
          local.delete(accessKeyId);
          // Sent after the write that added it (one connection keeps the order).
          redis
            .zrem(keys.signingKey(accessKeyId), processId)
            .catch((err: unknown) => options.onError?.(err));
        }
      };
      try {
        await held.visible;
      } catch (err) {
        release();
        throw err;
      }
      return { announced: first, release };
    },
    async drain(accessKeyId, timeoutMs) {
      const started = Date.now();
      const heldBy = await liveHolders(accessKeyId);
      let still = heldBy;
      while (still.length > 0) {
        if (Date.now() - started >= timeoutMs) {
          return { heldBy, waitedMs: Date.now() - started, timedOut: true, stillInFlight: still };
        }
        await sleep(DRAIN_POLL_MS);
        still = await liveHolders(accessKeyId);
      }
      return { heldBy, waitedMs: Date.now() - started, timedOut: false };
    },
    holders: liveHolders,
    close() {
      if (refresher !== undefined) {
        clearInterval(refresher);
        refresher = undefined;
      }
    },
  };
}
