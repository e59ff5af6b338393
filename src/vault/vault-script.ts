/**
 * The one Lua script behind every vault write, so each write is atomic and fenced: when the
 * caller holds a lease on the IAM user, the write happens only if the lease still holds the
 * caller's lease value — the one guard of queue/lease-guard.ts, shared with the journal's
 * scripts (DESIGN.md invariant 5); a caller without a token (an import, an operator) may not
 * write while a job holds that user. A version is dropped once no stage refers to it.
 *
 * KEYS: 1 the owner's record (hash), 2 the vault index (set), 3 the user's lease (or KEYS[1]
 * for owners that are no IAM user, e.g. a provider's own credential).
 * ARGV: 1 fencing token or '', 2 operation, 3.. operation arguments.
 */
import { defineGuardedScript } from '../queue/lease-guard.ts';

/**
 * Lua prelude: `vault_put(record, index, stage, id, json, owner)` stores a sealed version at
 * `stage` (the old one goes when no stage refers to it). Shared by VAULT_WRITE and the
 * journal's "store pending and record the step" script (rotation/journal-scripts.ts).
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
local function vault_put(record, index, stage, id, json, owner)
  local old = redis.call('HGET', record, 'stage:' .. stage)
  redis.call('HSET', record, 'version:' .. id, json, 'stage:' .. stage, id)
  redis.call('SADD', index, owner)
  vault_forget(record, old)
end
`;

export const VAULT_WRITE = defineGuardedScript(`${VAULT_PUT_LUA}
local record, index, lease = KEYS[1], KEYS[2], KEYS[3]
local token, op = ARGV[1], ARGV[2]
if token ~= '' then
  lease_guard(lease, token)
elseif lease ~= record and redis.call('EXISTS', lease) == 1 then
  return redis.error_reply('LEASED')
end
local function forget(id) vault_forget(record, id) end

if op == 'put' then
  vault_put(record, index, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
  return 'OK'
elseif op == 'promote' then
  local expected = ARGV[3]
  local pending = redis.call('HGET', record, 'stage:pending')
  local current = redis.call('HGET', record, 'stage:current')
  if not pending then
    -- A retry after a promote whose answer was lost: already done.
    if expected ~= '' and current == expected then return 'ALREADY' end
    return redis.error_reply('NO_PENDING')
  end
  if expected ~= '' and pending ~= expected then return redis.error_reply('OTHER_PENDING') end
  if current then
    local previous = redis.call('HGET', record, 'stage:previous')
    redis.call('HSET', record, 'stage:previous', current)
    redis.call('HSET', record, 'stage:current', pending)
    redis.call('HDEL', record, 'stage:pending')
    forget(previous)
  else
    redis.call('HSET', record, 'stage:current', pending)
    redis.call('HDEL', record, 'stage:pending')
  end
  return 'OK'
elseif op == 'move' then
  local from, to = ARGV[3], ARGV[4]
  if from == to then return redis.error_reply('SAME_STAGE') end
  local id = redis.call('HGET', record, 'stage:' .. from)
  if not id then return redis.error_reply('EMPTY_STAGE') end
  local replaced = redis.call('HGET', record, 'stage:' .. to)
  redis.call('HSET', record, 'stage:' .. to, id)
  redis.call('HDEL', record, 'stage:' .. from)
  forget(replaced)
  return 'OK'
elseif op == 'clear' then
  local id = redis.call('HGET', record, 'stage:' .. ARGV[3])
  redis.call('HDEL', record, 'stage:' .. ARGV[3])
  forget(id)
  return 'OK'
elseif op == 'remove' then
  local existed = redis.call('DEL', record)
  redis.call('SREM', index, ARGV[3])
  if existed == 1 then return 'OK' end
  return 'ABSENT'
elseif op == 'reencrypt' then
  local field = 'version:' .. ARGV[3]
  if redis.call('HGET', record, field) ~= ARGV[4] then return 'CHANGED' end
  redis.call('HSET', record, field, ARGV[5])
  return 'OK'
end
return redis.error_reply('UNKNOWN_OP')
`);
