/**
 * The lease on one IAM user (DESIGN.md invariant 5), across every worker process.
 *
 * Contract (other scripts rely on it): `keys.userLease(provider, user)` holds the lease value
 * `<token>:<nonce>`, with a PX TTL of IAM_PAM_JOB_LOCK_MS, set only when absent. The token comes
 * from `INCR keys.userFence(provider, user)` (for logs and journal records); the nonce is 128
 * random bits, so a value is never handed out twice even when Redis loses its last writes and
 * the counter goes back. A missing counter starts from Redis's clock in microseconds, not from
 * 0, so a counter lost with its lease still issues larger tokens than before. Every guard —
 * renew, release, isHeld and the scripts of lease-guard.ts — compares the whole value.
 */
import { randomBytes } from 'node:crypto';

import type { UserRef } from '../identifiers.ts';
import type { Keys } from '../keys.ts';
import { DELETE_IF_HOLDS } from './delete-if-holds.ts';
import { defineGuardedScript, leaseLostError } from './lease-guard.ts';
import { isCommandTimeout } from './redis-errors.ts';
import { defineScript, runScript } from './run-script.ts';
import type { RedisConnection } from './redis-connections.ts';

// KEYS[1] lease, KEYS[2] counter; ARGV[1] TTL ms, ARGV[2] nonce. Returns {token, 0} or {0, ms
// until it may free}. TIME in a script needs effects replication: the default since Redis 5.
const ACQUIRE = defineScript(`
local pttl = redis.call('PTTL', KEYS[1])
if pttl ~= -2 then
  if pttl < 0 then pttl = tonumber(ARGV[1]) end
  return {0, pttl}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[2], now[1] .. string.format('%06d', tonumber(now[2])))
end
local token = redis.call('INCR', KEYS[2])
-- %d: Lua would print a 16-digit number in exponent notation.
redis.call('SET', KEYS[1], string.format('%d', token) .. ':' .. ARGV[2], 'PX', ARGV[1])
return {token, 0}
`);

// KEYS[1] lease, KEYS[2] (optional) the job's BullMQ lock; ARGV[1] lease value, ARGV[2] TTL
// ms, ARGV[3] the job's lock token. Returns 1 renewed, 0 the job lock is no longer ours.
const RENEW = defineGuardedScript(`
lease_guard(KEYS[1], ARGV[1])
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

export type AcquireResult =
  { acquired: true; token: number; value: string } | { acquired: false; busyMs: number };

/** BullMQ's lock on the job a lease is held for: its key holds `token` while the job is ours. */
export interface JobLock {
  key: string;
  token: string;
}

/** `job_lock_lost`: the lease is still ours but the job it was taken for passed to another worker. */
export type RenewOutcome = 'renewed' | 'lease_lost' | 'job_lock_lost';

export interface UserLeases {
  readonly ttlMs: number;
  keyOf(user: UserRef): string;
  /** An acquire Redis did not answer in time counts as busy (it may have taken the lease). */
  acquire(user: UserRef): Promise<AcquireResult>;
  /** Extends the TTL, only while the lease holds `value` and (when given) the job lock is ours. */
  renew(user: UserRef, value: string, jobLock?: JobLock): Promise<RenewOutcome>;
  /** Deletes the lease; false when it was no longer ours. */
  release(user: UserRef, value: string): Promise<boolean>;
  isHeld(user: UserRef, value: string): Promise<boolean>;
}

export function createUserLeases(deps: {
  /** The lease's own connection, with a command timeout (lease-timing.ts). */
  redis: RedisConnection;
  keys: Keys;
  ttlMs: number;
  /** After acquiring: the replicas must have the lease before anything is done under it. */
  waitForReplicas: (key: string) => Promise<void>;
}): UserLeases {
  const { redis, keys, ttlMs } = deps;
  const keyOf = (user: UserRef) => keys.userLease(user.provider, user.userName);
  const release = async (user: UserRef, value: string) =>
    (await runScript(redis, DELETE_IF_HOLDS, [keyOf(user)], [value])) === 1;
  return {
    ttlMs,
    keyOf,
    release,
    async acquire(user) {
      const nonce = randomBytes(16).toString('hex');
      let reply: [number, number];
      try {
        reply = (await runScript(
          redis,
          ACQUIRE,
          [keyOf(user), keys.userFence(user.provider, user.userName)],
          [ttlMs, nonce],
        )) as [number, number];
      } catch (err) {
        if (isCommandTimeout(err)) {
          // It may have taken the lease with no one to hold it: like a busy user, look again
          // (the next try sees how long that lease has left).
          return { acquired: false, busyMs: 0 };
        }
        throw err;
      }
      const [token, busyMs] = reply;
      if (token === 0) {
        return { acquired: false, busyMs };
      }
      const value = `${token}:${nonce}`;
      try {
        await deps.waitForReplicas(keyOf(user));
      } catch (err) {
        // Not on enough replicas: a failover could forget it; give it up rather than work under it.
        await release(user, value).catch(() => undefined);
        throw err;
      }
      return { acquired: true, token, value };
    },
    async renew(user, value, jobLock) {
      const keys = jobLock === undefined ? [keyOf(user)] : [keyOf(user), jobLock.key];
      try {
        const renewed = await runScript(redis, RENEW, keys, [value, ttlMs, jobLock?.token ?? '']);
        return renewed === 1 ? 'renewed' : 'job_lock_lost';
      } catch (err) {
        if (leaseLostError(err, 'lease renewal') !== err) {
          return 'lease_lost';
        }
        throw err;
      }
    },
    async isHeld(user, value) {
      return (await redis.get(keyOf(user))) === value;
    },
  };
}
