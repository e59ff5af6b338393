/**
 * The lease on one IAM user (DESIGN.md invariant 5), across every worker process.
 *
 * Contract (other scripts rely on it): `keys.userLease(provider, user)` holds exactly the
 * decimal string of the holder's fencing token, with a PX TTL of IAM_PAM_JOB_LOCK_MS, set only
 * when absent. Tokens come from `INCR keys.userFence(provider, user)`, so a later holder always
 * has a larger token. The holder renews and releases only while the value is still its token.
 * Any script that writes on the user's behalf starts with LEASE_GUARD_LUA and refuses a caller
 * whose token is no longer the lease's: a worker paused past its TTL cannot overwrite the work
 * of the worker that took over.
 */
import { TransientError } from '../errors.ts';
import type { UserRef } from '../identifiers.ts';
import type { Keys } from '../keys.ts';
import { DELETE_IF_HOLDS } from './delete-if-holds.ts';
import { defineScript, type LuaScript, runScript } from './run-script.ts';
import type { RedisConnection } from './redis-connections.ts';

// KEYS[1] lease, KEYS[2] fence; ARGV[1] TTL ms. Returns {token, 0} or {0, ms until it may free}.
const ACQUIRE = defineScript(`
local pttl = redis.call('PTTL', KEYS[1])
if pttl ~= -2 then
  if pttl < 0 then pttl = tonumber(ARGV[1]) end
  return {0, pttl}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], string.format('%d', token), 'PX', ARGV[1])
return {token, 0}
`);

// KEYS[1] lease; ARGV[1] token, ARGV[2] TTL ms.
const RENEW = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/**
 * The check every lease-guarded script starts with: KEYS[1] is the user's lease key and
 * ARGV[1] the caller's fencing token (decimal). On a mismatch the script stops with an error
 * starting `LEASE_LOST`, which `runLeaseGuarded` turns into TransientError `lease_lost`.
 */
export const LEASE_GUARD_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('LEASE_LOST the lease on this IAM user is held by another job')
end
`;

/** A script whose body runs only while KEYS[1] (the lease) holds ARGV[1] (our token). */
export function defineLeaseGuardedScript(body: string): LuaScript {
  return defineScript(`${LEASE_GUARD_LUA}\n${body}`);
}

/**
 * Runs a lease-guarded script: the lease key and token come first (KEYS[1], ARGV[1]), then
 * the script's own keys and arguments (KEYS[2..], ARGV[2..]).
 */
export async function runLeaseGuarded(
  redis: RedisConnection,
  script: LuaScript,
  lease: { key: string; fencingToken: number },
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await runScript(redis, script, [lease.key, ...keys], [lease.fencingToken, ...args]);
  } catch (err) {
    if (err instanceof Error && err.message.includes('LEASE_LOST')) {
      throw new TransientError(
        'lease_lost',
        'the lease on this IAM user passed to another job; this write was refused',
        { cause: err },
      );
    }
    throw err;
  }
}

export type AcquireResult = { acquired: true; token: number } | { acquired: false; busyMs: number };

export interface UserLeases {
  readonly ttlMs: number;
  keyOf(user: UserRef): string;
  acquire(user: UserRef): Promise<AcquireResult>;
  /** Extends the TTL; false when the lease is no longer ours. */
  renew(user: UserRef, token: number): Promise<boolean>;
  /** Deletes the lease; false when it was no longer ours. */
  release(user: UserRef, token: number): Promise<boolean>;
  isHeld(user: UserRef, token: number): Promise<boolean>;
}

export function createUserLeases(deps: {
  redis: RedisConnection;
  keys: Keys;
  ttlMs: number;
}): UserLeases {
  const { redis, keys, ttlMs } = deps;
  const keyOf = (user: UserRef) => keys.userLease(user.provider, user.userName);
  return {
    ttlMs,
    keyOf,
    async acquire(user) {
      const [token, busyMs] = (await runScript(
        redis,
        ACQUIRE,
        [keyOf(user), keys.userFence(user.provider, user.userName)],
        [ttlMs],
      )) as [number, number];
      return token > 0 ? { acquired: true, token } : { acquired: false, busyMs };
    },
    async renew(user, token) {
      return (await runScript(redis, RENEW, [keyOf(user)], [token, ttlMs])) === 1;
    },
    async release(user, token) {
      return (await runScript(redis, DELETE_IF_HOLDS, [keyOf(user)], [token])) === 1;
    },
    async isHeld(user, token) {
      return (await redis.get(keyOf(user))) === String(token);
    },
  };
}
