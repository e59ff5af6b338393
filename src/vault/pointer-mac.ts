/**
 * Stage pointers (`stage:<stage>` → version id) authenticated under the master key, so whoever
 * can write to Redis but holds no master key cannot point a stage at another version (roll
 * `current` back to an older secret, say) without the next read failing loudly, as a tampered
 * ciphertext does. The MAC binds owner, stage and version id; it is stored beside the pointer
 * (`mac:<stage>`) as `<master key id>:<base64 HMAC-SHA256>`, under a key derived from the master
 * key (HKDF), so the AES key itself is never used for two purposes.
 *
 * What it cannot catch: a replay of a pointer and MAC this very stage held earlier (someone who
 * recorded them then). Only state kept outside Redis could.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

import { PermanentError } from '../errors.ts';
import type { Keyring, MasterKey } from './keyring.ts';

const macKeys = new WeakMap<MasterKey, Buffer>();

function macKeyOf(key: MasterKey): Buffer {
  let macKey = macKeys.get(key);
  if (macKey === undefined) {
    macKey = Buffer.from(
      hkdfSync('sha256', key.key, Buffer.alloc(0), 'iam-pam/vault/stage-pointer/v1', 32),
    );
    macKeys.set(key, macKey);
  }
  return macKey;
}

function digest(key: MasterKey, owner: string, stage: string, versionId: string): Buffer {
  return createHmac('sha256', macKeyOf(key)).update(`${owner}\0${stage}\0${versionId}`).digest();
}

/** The MAC to store as `mac:<stage>` when `stage` points at `versionId`. */
export function pointerMac(
  key: MasterKey,
  owner: string,
  stage: string,
  versionId: string,
): string {
  return `${key.id}:${digest(key, owner, stage, versionId).toString('base64')}`;
}

/** The id of the master key a stored MAC was made with ('' when there is none). */
export function macKeyId(stored: string | null | undefined): string {
  return stored?.split(':')[0] ?? '';
}

/**
 * Throws `vault_unreadable` unless `stored` authenticates `stage` → `versionId` of `owner` under
 * a key of the keyring.
 */
export function verifyPointer(
  keyring: Keyring,
  owner: string,
  stage: string,
  versionId: string,
  stored: string | null | undefined,
): void {
  const where = `vault record ${owner}: its ${stage} pointer (version ${versionId})`;
  const [keyId = '', mac = ''] = (stored ?? '').split(':');
  const key = keyring.byId(keyId);
  if (key === undefined) {
    throw new PermanentError(
      'vault_unreadable',
      stored
        ? `${where} is authenticated with master key ${keyId}, which is neither IAM_PAM_MASTER_KEY (${keyring.current.id}) nor IAM_PAM_MASTER_KEY_PREVIOUS${keyring.previous ? ` (${keyring.previous.id})` : ''}; start with the key that wrote it`
        : `${where} carries no MAC: it was altered (or written by a version of iam-pam before pointers were authenticated); nothing was read`,
    );
  }
  const expected = digest(key, owner, stage, versionId);
  const given = Buffer.from(mac, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new PermanentError(
      'vault_unreadable',
      `${where} failed authentication: it was altered or copied from another stage or record; nothing was read`,
    );
  }
}
