/**
 * The Lua scripts of the vault: one behind every write, so each write is atomic and fenced, and
 * one that reads a stage with the version it points at in one step.
 *
 * The write script's fence: when the caller holds a lease on the IAM user, the write happens
 * only if the lease still holds the caller's lease value — the one guard of
 * queue/lease-guard.ts, shared with the journal's scripts (DESIGN.md invariant 5); a caller
 * without one (an import, an operator) may not write while a job holds that user. The lease
 * key is always the record OWNER's user's lease (redis-vault.ts never takes it from the fence).
 * Around the fence: a write that seals a secret must be sealed under the vault's active master
 * key (active-master-key.ts); a promote names the version it promotes, and repeating it is a
 * no-op; every pointer a write sets comes with its MAC (pointer-mac.ts), computed by the caller
 * for the pointers it read, which the script compares (`CHANGED`: they moved meanwhile, read
 * again). A version is dropped once no stage refers to it.
 *
 * KEYS: 1 the owner's record (hash), 2 the vault index (set), 3 the user's lease (or KEYS[1]
 * for owners that are no IAM user, e.g. a provider's own credential), 4 the active master key id.
 * ARGV: 1 lease value or '', 2 operation, 3.. operation arguments.
 */
import { defineGuardedScript } from '../queue/lease-guard.ts';
import { defineScript } from '../queue/run-script.ts';

/**
 * Lua prelude: `vault_put(record, index, active_key, stage, id, json, owner, key_id, mac)`
 * stores a version sealed under `key_id` at `stage`, its pointer with `mac` (the old version
 * goes when no stage refers to it); refused with `WRONG_MASTER_KEY` unless `key_id` is the
 * vault's active master key. Shared by VAULT_WRITE and the journal's "store pending and record
 * the step" script (rotation/journal-scripts.ts), so both seal and point the same way.
 */
export const VAULT_PUT_LUA = `
local VAULT_STAGES = {'current', 'pending', 'previous', 'unconfirmed'}
local function vault_referenced(record, id)
  for _, stage in ipairs(VAULT_STAGES) do
    if redis.call('HGET', record, 'stage:' .. stage) == id then return true end
  end
  return false
end
local function vault_forget(record, id)
  if id and not vault_referenced(record, id) then redis.call('HDEL', record, 'version:' .. id) end
end
local function vault_point(record, stage, id, mac)
  redis.call('HSET', record, 'stage:' .. stage, id, 'mac:' .. stage, mac)
end
-- A sealed write must be sealed under the vault's active master key (the first one sets it).
local function vault_refuse_unless_active(active_key, key_id)
  local active = redis.call('GET', active_key)
  if not active then
    redis.call('SET', active_key, key_id)
  elseif active ~= key_id then
    error(redis.error_reply('WRONG_MASTER_KEY ' .. active))
  end
end
local function vault_put(record, index, active_key, stage, id, json, owner, key_id, mac)
  vault_refuse_unless_active(active_key, key_id)
  local old = redis.call('HGET', record, 'stage:' .. stage)
  redis.call('HSET', record, 'version:' .. id, json)
  vault_point(record, stage, id, mac)
  redis.call('SADD', index, owner)
  vault_forget(record, old)
end
`;

export const VAULT_WRITE = defineGuardedScript(`${VAULT_PUT_LUA}
local record, index, lease, active_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, op = ARGV[1], ARGV[2]
if token ~= '' then
  lease_guard(lease, token)
elseif lease ~= record and redis.call('EXISTS', lease) == 1 then
  return redis.error_reply('LEASED')
end
local function forget(id) vault_forget(record, id) end
local function point(stage, id, mac) vault_point(record, stage, id, mac) end
local function unpoint(stage)
  redis.call('HDEL', record, 'stage:' .. stage, 'mac:' .. stage)
end

if op == 'put' then
  vault_put(record, index, active_key, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
  return 'OK'
elseif op == 'promote' then
  -- ARGV: the version promoted, the current it replaces ('' none), their MACs as current / previous.
  local expected, was_current, current_mac, previous_mac = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  local pending = redis.call('HGET', record, 'stage:pending')
  local current = redis.call('HGET', record, 'stage:current')
  -- A repeat (a retry, or ioredis re-sending after a reconnect) of a promote that was applied.
  if expected ~= '' and current == expected then return 'ALREADY' end
  if not pending then return redis.error_reply('NO_PENDING') end
  if expected == '' then return redis.error_reply('UNNAMED_PROMOTE') end
  if pending ~= expected then return redis.error_reply('OTHER_PENDING') end
  if (current or '') ~= was_current then return 'CHANGED' end
  local previous = nil
  if current then
    previous = redis.call('HGET', record, 'stage:previous')
    point('previous', current, previous_mac)
  end
  point('current', pending, current_mac)
  unpoint('pending')
  forget(previous)
  return 'OK'
elseif op == 'move' then
  local from, to, expected, mac = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  if from == to then return redis.error_reply('SAME_STAGE') end
  local id = redis.call('HGET', record, 'stage:' .. from)
  if not id then return redis.error_reply('EMPTY_STAGE') end
  if id ~= expected then return 'CHANGED' end
  local replaced = redis.call('HGET', record, 'stage:' .. to)
  point(to, id, mac)
  unpoint(from)
  forget(replaced)
  return 'OK'
elseif op == 'clear' then
  local id = redis.call('HGET', record, 'stage:' .. ARGV[3])
  unpoint(ARGV[3])
  forget(id)
  return 'OK'
elseif op == 'remove' then
  local existed = redis.call('DEL', record)
  redis.call('SREM', index, ARGV[3])
  if existed == 1 then return 'OK' end
  return 'ABSENT'
elseif op == 'reencrypt' then
  local field, key_id = 'version:' .. ARGV[3], ARGV[6]
  vault_refuse_unless_active(active_key, key_id)
  if redis.call('HGET', record, field) ~= ARGV[4] then return 'CHANGED' end
  redis.call('HSET', record, field, ARGV[5])
  return 'OK'
elseif op == 'remac' then
  -- Rekey: the same pointer, its MAC made again under the new key.
  local stage, id, old_mac, new_mac = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  if redis.call('HGET', record, 'stage:' .. stage) ~= id then return 'CHANGED' end
  if redis.call('HGET', record, 'mac:' .. stage) ~= old_mac then return 'CHANGED' end
  point(stage, id, new_mac)
  return 'OK'
end
return redis.error_reply('UNKNOWN_OP')
`);

/**
 * A stage and the version it points at, read in one step (two reads could fall either side of
 * a promote). KEYS[1] the record; ARGV[1] the stage. Returns {} for an empty stage, else
 * {version id, pointer MAC or '', version JSON or ''}.
 */
export const VAULT_READ_STAGE = defineScript(`
local id = redis.call('HGET', KEYS[1], 'stage:' .. ARGV[1])
if not id then return {} end
return {
  id,
  redis.call('HGET', KEYS[1], 'mac:' .. ARGV[1]) or '',
  redis.call('HGET', KEYS[1], 'version:' .. id) or '',
}
`);
