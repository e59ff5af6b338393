/**
 * AES-256-GCM envelopes. A fresh 96-bit IV per write; the additional authenticated data names
 * the owner and the version id, so a ciphertext copied to another record or version fails to
 * decrypt instead of yielding someone else's secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { PermanentError } from '../errors.ts';
import type { Keyring, MasterKey } from './keyring.ts';

export interface Envelope {
  /** Format version of the envelope. */
  v: 1;
  /** Id of the master key that encrypted it. */
  keyId: string;
  iv: string;
  tag: string;
  ct: string;
}

export function additionalData(owner: string, versionId: string): Buffer {
  return Buffer.from(`iam-pam/vault/v1\0${owner}\0${versionId}`, 'utf8');
}

export function seal(plaintext: string, key: MasterKey, aad: Buffer): Envelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    v: 1,
    keyId: key.id,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

/** Decrypts, or throws `vault_unreadable` saying why (never what the bytes were). */
export function open(envelope: Envelope, keyring: Keyring, aad: Buffer, where: string): string {
  const key = keyring.byId(envelope.keyId);
  if (key === undefined) {
    throw new PermanentError(
      'vault_unreadable',
      `${where} is encrypted with master key ${envelope.keyId}, which is neither IAM_PAM_MASTER_KEY (${keyring.current.id}) nor IAM_PAM_MASTER_KEY_PREVIOUS${keyring.previous ? ` (${keyring.previous.id})` : ''}; start with the key that wrote it`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(aad);
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(envelope.ct, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch (err) {
    throw new PermanentError(
      'vault_unreadable',
      `${where} failed authentication: it was altered, moved from another record, or written with another key; nothing was read`,
      { cause: err },
    );
  }
}
