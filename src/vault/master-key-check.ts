/**
 * Tells a wrong master key at start-up instead of failing later on every read: the vault keeps
 * one value sealed under the key that wrote it, and every process that holds a key checks it.
 * Then the process adopts the vault's active master key (active-master-key.ts), or is refused
 * when the vault has moved on to a key it does not hold.
 */
import type { Redis } from 'ioredis';

import { PermanentError } from '../errors.ts';
import type { Keys } from '../keys.ts';
import { adoptMasterKey } from './active-master-key.ts';
import { additionalData, type Envelope, open, seal } from './envelope.ts';
import type { Keyring } from './keyring.ts';

const CHECK_OWNER = 'vault-keycheck';
const CHECK_VERSION = 'v1';
const CHECK_TEXT = 'iam-pam master key check';

/** Writes the check value under the current key (replacing any), e.g. after a rekey. */
export async function writeMasterKeyCheck(
  redis: Redis,
  keys: Keys,
  keyring: Keyring,
): Promise<void> {
  const envelope = seal(CHECK_TEXT, keyring.current, additionalData(CHECK_OWNER, CHECK_VERSION));
  await redis.set(keys.vaultKeyCheck, JSON.stringify(envelope));
}

/** Resolves when the keyring opens the vault; throws `config_invalid` naming the fix otherwise. */
export async function verifyMasterKey(redis: Redis, keys: Keys, keyring: Keyring): Promise<void> {
  const json = await redis.get(keys.vaultKeyCheck);
  if (json === null) {
    const envelope = seal(CHECK_TEXT, keyring.current, additionalData(CHECK_OWNER, CHECK_VERSION));
    await redis.set(keys.vaultKeyCheck, JSON.stringify(envelope), 'NX');
    return verifyMasterKey(redis, keys, keyring);
  }
  const envelope = JSON.parse(json) as Envelope;
  if (keyring.byId(envelope.keyId) === undefined) {
    throw new PermanentError(
      'config_invalid',
      `IAM_PAM_MASTER_KEY: does not match the vault, which was written with master key ${envelope.keyId} (this key is ${keyring.current.id}); start with the key that wrote it, or set it as IAM_PAM_MASTER_KEY_PREVIOUS and run iam-pam vault rekey`,
    );
  }
  try {
    open(envelope, keyring, additionalData(CHECK_OWNER, CHECK_VERSION), 'the vault key check');
  } catch (err) {
    throw new PermanentError(
      'config_invalid',
      `IAM_PAM_MASTER_KEY: the vault key check failed authentication (${(err as Error).message})`,
      { cause: err },
    );
  }
  await adoptMasterKey(redis, keys, keyring, envelope.keyId);
}
