/**
 * The journal's Lua scripts: each step transition is one script that first checks the caller's
 * lease value with the same guard the vault's writes use (queue/lease-guard.ts), so a worker
 * whose lease passed on can neither write the journal nor the vault (DESIGN.md invariant 5).
 *
 * The journal is a hash: `rotationId`, `account`, `kind`, `reason`, `startedAt`, `jobId`,
 * `step` (the last step done, `opened` before the first), `order` (the steps done, comma
 * separated), `step:<name>` (JSON of that step's record) and `fencingToken` (of the last writer).
 */
import { defineGuardedScript } from '../queue/lease-guard.ts';
import { VAULT_PUT_LUA } from '../vault/vault-script.ts';

/**
 * KEYS: 1 journal, 2 lease. ARGV: 1 lease value, 2.. field/value pairs of the new journal.
 * Returns 'OK', or 'EXISTS' when a journal is open already (it is left as it is).
 */
export const OPEN_JOURNAL = defineGuardedScript(`
lease_guard(KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return 'EXISTS' end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 'OK'
`);

/**
 * KEYS: 1 journal, 2 lease, and optionally 3 the vault record, 4 the vault index, 5 the vault's
 * active master key id. ARGV: 1 lease value, 2 rotation id, 3 step, 4 the step's JSON, 5 fencing
 * token, and with the vault keys 6 version id, 7 sealed version JSON, 8 vault owner, 9 the
 * master key id it is sealed under, 10 the `pending` pointer's MAC: the version is stored as
 * `pending` in the same script, as a vault put would store it. Returns 'OK', or 'ALREADY' when the step is recorded (nothing
 * changes, the vault included). Error `NOT_OPEN` when the journal is not this rotation's.
 */
export const RECORD_STEP = defineGuardedScript(`${VAULT_PUT_LUA}
lease_guard(KEYS[2], ARGV[1])
local journal = KEYS[1]
if redis.call('HGET', journal, 'rotationId') ~= ARGV[2] then
  return redis.error_reply('NOT_OPEN the journal of this rotation is not open')
end
local field = 'step:' .. ARGV[3]
if redis.call('HEXISTS', journal, field) == 1 then return 'ALREADY' end
if KEYS[3] then
  vault_put(KEYS[3], KEYS[4], KEYS[5], 'pending', ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
end
local order = redis.call('HGET', journal, 'order')
if order == false or order == '' then order = ARGV[3] else order = order .. ',' .. ARGV[3] end
redis.call('HSET', journal, field, ARGV[4], 'step', ARGV[3], 'order', order, 'fencingToken', ARGV[5])
return 'OK'
`);

/**
 * KEYS: 1 journal, 2 lease, 3 history. ARGV: 1 lease value, 2 rotation id, 3 the closed
 * journal's JSON, 4 how many closed journals to keep. Returns 'OK', or 'ABSENT' when this
 * rotation's journal is no longer open (closed by an earlier run whose answer was lost).
 */
export const CLOSE_JOURNAL = defineGuardedScript(`
lease_guard(KEYS[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'rotationId') ~= ARGV[2] then return 'ABSENT' end
redis.call('DEL', KEYS[1])
redis.call('LPUSH', KEYS[3], ARGV[3])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
return 'OK'
`);
