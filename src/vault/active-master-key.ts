/**
 * The vault's active master key. Its id is kept in Redis (`keys.vaultMasterKeyId`) and every
 * vault write must be sealed under it — checked inside the write script (vault-script.ts) — so a
 * process still sealing with a retired key (one not restarted after `vault rekey`) is refused
 * instead of writing a version the new key cannot read.
 *
 * The active key moves on when a process starts with a new IAM_PAM_MASTER_KEY and the active one
 * as IAM_PAM_MASTER_KEY_PREVIOUS (the first step of a key change), and when `vault rekey` runs;
 * from then on only processes holding the new key may write. A process whose keys name neither
 * the active key nor its successor is refused at start.
 */
import type { Redis } from 'ioredis';

import { PermanentError } from '../errors.ts';
import type { Keys } from '../keys.ts';
import { defineScript, runScript } from '../queue/run-script.ts';
import type { Keyring } from './keyring.ts';

// KEYS[1] the active key id; ARGV[1] current id, ARGV[2] previous id or '', ARGV[3] the id to
// assume when none is stored (a vault from before the id was kept). Returns {adopted, active}.
const ADOPT = defineScript(`
local active = redis.call('GET', KEYS[1]) or ARGV[3]
if active == ARGV[1] or active == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1])
  return {1, active}
end
return {0, active}
`);

/**
 * Makes the keyring's current key the vault's active one, when the stored active key is that
 * key or the keyring's previous one; otherwise throws `config_invalid` naming the fix.
 */
export async function adoptMasterKey(
  redis: Redis,
  keys: Keys,
  keyring: Keyring,
  assumedActive: string,
): Promise<void> {
  const [adopted, active] = (await runScript(
    redis,
    ADOPT,
    [keys.vaultMasterKeyId],
    [keyring.current.id, keyring.previous?.id ?? '', assumedActive],
  )) as [number, string];
  if (adopted !== 1) {
    throw new PermanentError(
      'config_invalid',
      `IAM_PAM_MASTER_KEY: the vault's active master key is ${active}, not this one (${keyring.current.id})${keyring.previous ? ` nor IAM_PAM_MASTER_KEY_PREVIOUS (${keyring.previous.id})` : ''}: the vault moved on to a newer key (vault rekey); start with that key as IAM_PAM_MASTER_KEY`,
    );
  }
}
