/**
 * The master keys the vault may use: the current one (encrypts every write) and, during
 * `vault rekey`, the previous one (still decrypts). Each key is known by a short id derived from
 * it, stored on every record, so a record says which key it needs without revealing it.
 */
import { createHash } from 'node:crypto';

import { PermanentError } from '../errors.ts';

export interface MasterKey {
  /** First 8 bytes of SHA-256 of the key, hex: identifies it, reveals nothing. */
  id: string;
  key: Buffer;
}

export interface Keyring {
  current: MasterKey;
  previous: MasterKey | undefined;
  /** The key with this id, or undefined when neither key has it. */
  byId(id: string): MasterKey | undefined;
}

export function masterKeyId(key: Buffer): string {
  return createHash('sha256')
    .update('iam-pam master key id\0')
    .update(key)
    .digest('hex')
    .slice(0, 16);
}

function parseKey(base64: string, variable: string): MasterKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) {
    throw new PermanentError(
      'config_invalid',
      `${variable}: must be base64 of 32 random bytes; e.g. ${variable}=$(iam-pam keygen)`,
    );
  }
  return { id: masterKeyId(key), key };
}

export function createKeyring(current: string, previous?: string): Keyring {
  const currentKey = parseKey(current, 'IAM_PAM_MASTER_KEY');
  const previousKey =
    previous === undefined ? undefined : parseKey(previous, 'IAM_PAM_MASTER_KEY_PREVIOUS');
  return {
    current: currentKey,
    previous: previousKey,
    byId: (id) => [currentKey, previousKey].find((k) => k?.id === id),
  };
}
