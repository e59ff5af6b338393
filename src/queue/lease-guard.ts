/**
 * The one fence check every script that writes on an IAM user's behalf starts with (DESIGN.md
 * invariant 5). The user's lease key holds the lease value `<token>:<nonce>` (user-lease.ts);
 * a writer shows the whole value it was given and the script goes on only while the lease still
 * holds exactly that value. The whole value, never the token alone: a counter that went back
 * (Redis losing its last writes) can hand out the same token twice, never the same nonce.
 */
import { TransientError } from '../errors.ts';
import { defineScript, type LuaScript } from './run-script.ts';

/**
 * Lua prelude: `lease_guard(leaseKey, value)` stops the script with an error starting
 * `LEASE_LOST` unless GET leaseKey == value (an empty or missing value never matches).
 */
export const LEASE_GUARD_LUA = `
local function lease_guard(lease_key, value)
  if value == nil or value == '' or redis.call('GET', lease_key) ~= value then
    error(redis.error_reply('LEASE_LOST the lease on this IAM user is no longer held by this job'))
  end
end
`;

/** A script = LEASE_GUARD_LUA + body; the body calls lease_guard(...) itself with the keys it chooses. */
export function defineGuardedScript(body: string): LuaScript {
  return defineScript(`${LEASE_GUARD_LUA}\n${body}`);
}

/**
 * Maps a `LEASE_LOST` error reply to TransientError `lease_lost` naming what was refused (`what`,
 * e.g. "vault put on prod/alice/access-key"); any other error comes back unchanged.
 */
export function leaseLostError(err: unknown, what: string): unknown {
  if (err instanceof Error && err.message.startsWith('LEASE_LOST')) {
    return new TransientError(
      'lease_lost',
      `${what} refused: the caller no longer holds the lease on this IAM user (it expired or passed to another job); retry once the user is free`,
      { cause: err },
    );
  }
  return err;
}
