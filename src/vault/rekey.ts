/**
 * `vault rekey`: re-encrypts every version sealed under IAM_PAM_MASTER_KEY_PREVIOUS with
 * IAM_PAM_MASTER_KEY, one version at a time through a compare-and-set, so workers holding both
 * keys keep reading and writing while it runs. Safe to interrupt and run again.
 */
import type { Redis } from 'ioredis';

import type { AuditLog } from '../audit/audit-log.ts';
import { PermanentError } from '../errors.ts';
import type { Keys } from '../keys.ts';
import { runScript } from '../queue/run-script.ts';
import { additionalData, open, seal } from './envelope.ts';
import type { Keyring } from './keyring.ts';
import { writeMasterKeyCheck } from './master-key-check.ts';
import { parseStoredVersion } from './redis-vault.ts';
import { VAULT_WRITE } from './vault-script.ts';

export interface RekeyReport {
  owners: number;
  reencrypted: number;
  alreadyCurrent: number;
  /** Versions that failed authentication: left as they are, for a person to look at. */
  unreadable: Array<{ owner: string; versionId: string; reason: string }>;
}

const MAX_CAS_RETRIES = 5;

export async function rekeyVault(
  deps: { redis: Redis; keys: Keys; keyring: Keyring; audit: AuditLog; actor: string },
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<RekeyReport> {
  const { redis, keys, keyring, audit } = deps;
  const previous = keyring.previous;
  if (previous === undefined) {
    throw new PermanentError(
      'invalid_input',
      'IAM_PAM_MASTER_KEY_PREVIOUS: missing; vault rekey re-encrypts from it to IAM_PAM_MASTER_KEY; e.g. IAM_PAM_MASTER_KEY_PREVIOUS=<the old key>',
    );
  }
  const owners = await redis.smembers(keys.vaultIndex);
  const report: RekeyReport = {
    owners: owners.length,
    reencrypted: 0,
    alreadyCurrent: 0,
    unreadable: [],
  };
  for (const [index, owner] of owners.entries()) {
    const record = keys.vault(owner);
    let changed = 0;
    for (const field of await redis.hkeys(record)) {
      if (!field.startsWith('version:')) {
        continue;
      }
      for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt += 1) {
        const json = await redis.hget(record, field);
        if (json === null) {
          break;
        }
        const stored = parseStoredVersion(json);
        if (stored.envelope.keyId === keyring.current.id) {
          report.alreadyCurrent += 1;
          break;
        }
        const aad = additionalData(owner, stored.versionId);
        let plaintext: string;
        try {
          plaintext = open(
            stored.envelope,
            keyring,
            aad,
            `vault record ${owner} (version ${stored.versionId})`,
          );
        } catch (err) {
          report.unreadable.push({
            owner,
            versionId: stored.versionId,
            reason: (err as Error).message,
          });
          break;
        }
        const resealed = { ...stored, envelope: seal(plaintext, keyring.current, aad) };
        const outcome = await runScript(
          redis,
          VAULT_WRITE,
          [record, keys.vaultIndex, record],
          ['', 'reencrypt', stored.versionId, json, JSON.stringify(resealed)],
        );
        if (outcome === 'OK') {
          report.reencrypted += 1;
          changed += 1;
          break;
        }
      }
    }
    if (changed > 0) {
      await audit.append({
        actor: deps.actor,
        action: 'vault.rekey',
        outcome: 'ok',
        account: owner,
        detail: { versions: changed, from: previous.id, to: keyring.current.id },
      });
    }
    onProgress(index + 1, owners.length);
  }
  // Only a complete pass may retire the old key: unreadable versions keep the check on it.
  if (report.unreadable.length === 0) {
    await writeMasterKeyCheck(redis, keys, keyring);
  }
  return report;
}
