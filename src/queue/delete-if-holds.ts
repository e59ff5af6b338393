/**
 * Deletes KEYS[1] only while it still holds ARGV[1]: a holder releases its own claim (a lease,
 * an Idempotency-Key reservation), never the one a successor took after it expired. Returns 1
 * when it deleted.
 */
import { defineScript } from './run-script.ts';

export const DELETE_IF_HOLDS = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);
