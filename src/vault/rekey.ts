/**
 * `vault rekey`: re-encrypts every version sealed under IAM_PAM_MASTER_KEY_PREVIOUS with
 * IAM_PAM_MASTER_KEY, and makes every stage pointer's MAC again under it, one field at a time
 * through a compare-and-set, so workers holding both keys keep reading and writing while it runs.
 * Safe to interrupt and run again.
 *
 * It first makes IAM_PAM_MASTER_KEY the vault's active key (active-master-key.ts): from then on
 * a write sealed under the previous key is refused. It then scans the vault again and again until
 * a whole pass finds nothing left under the previous key (a write that was applied while a pass
 * ran is found by the next), and only then retires the old key from the key check.
 */
import type { Redis } from 'ioredis';

import type { AuditLog } from '../audit/audit-log.ts';
import { PermanentError } from '../errors.ts';
import type { Keys } from '../keys.ts';
import { runScript } from '../queue/run-script.ts';
import { adoptMasterKey } from './active-master-key.ts';
import { additionalData, open, seal } from './envelope.ts';
import type { Keyring, MasterKey } from './keyring.ts';
import { writeMasterKeyCheck } from './master-key-check.ts';
import { macKeyId, pointerMac, verifyPointer } from './pointer-mac.ts';
import { parseStoredVersion } from './redis-vault.ts';
import { VAULT_STAGES } from './secret-store.ts';
import { VAULT_WRITE } from './vault-script.ts';

export interface RekeyReport {
  owners: number;
  reencrypted: number;
  alreadyCurrent: number;
  /** Stage pointers whose MAC was made again under the current key. */
  remaced: number;
  /** Scans of the whole vault: the last one found nothing left under the previous key. */
  passes: number;
  /** Versions (or pointers) that failed authentication: left as they are, for a person to look at. */
  unreadable: Array<{ owner: string; versionId: string; reason: string }>;
}

const MAX_CAS_RETRIES = 5;
/** Writes under the previous key are refused from the first pass on: two passes normally do. */
const MAX_PASSES = 10;

interface RekeyDeps {
  redis: Redis;
  keys: Keys;
  keyring: Keyring;
  audit: AuditLog;
  actor: string;
}

/** One owner's record: how many fields under the previous key it found, and how many it rewrote. */
async function rekeyOwner(
  deps: RekeyDeps,
  previous: MasterKey,
  owner: string,
  report: RekeyReport,
  unreadable: Map<string, RekeyReport['unreadable'][number]>,
): Promise<{ found: number; changed: number }> {
  const { redis, keys, keyring } = deps;
  const record = keys.vault(owner);
  const scriptKeys = [record, keys.vaultIndex, record, keys.vaultMasterKeyId];
  const counts = { found: 0, changed: 0 };
  const fields = await redis.hkeys(record);
  for (const field of fields.filter((f) => f.startsWith('version:'))) {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt += 1) {
      const json = await redis.hget(record, field);
      if (json === null) {
        break;
      }
      const stored = parseStoredVersion(json);
      const fieldId = field.slice('version:'.length);
      if (stored.versionId !== fieldId) {
        unreadable.set(`${owner}\0${field}`, {
          owner,
          versionId: fieldId,
          reason: `vault record ${owner} holds version ${stored.versionId} under the id ${fieldId}: it was altered`,
        });
        break;
      }
      if (stored.envelope.keyId === keyring.current.id) {
        // Counted on the first pass only: later passes see what it re-encrypted.
        report.alreadyCurrent += attempt === 0 && report.passes === 1 ? 1 : 0;
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
        const reason = (err as Error).message;
        unreadable.set(`${owner}\0${field}`, { owner, versionId: stored.versionId, reason });
        break;
      }
      counts.found += attempt === 0 ? 1 : 0;
      const resealed = { ...stored, envelope: seal(plaintext, keyring.current, aad) };
      const outcome = await runScript(redis, VAULT_WRITE, scriptKeys, [
        '',
        'reencrypt',
        stored.versionId,
        json,
        JSON.stringify(resealed),
        keyring.current.id,
      ]);
      if (outcome === 'OK') {
        report.reencrypted += 1;
        counts.changed += 1;
        break;
      }
    }
  }
  for (const stage of VAULT_STAGES) {
    const [versionId, mac] = await redis.hmget(record, `stage:${stage}`, `mac:${stage}`);
    if (versionId === null || versionId === undefined || macKeyId(mac) !== previous.id) {
      continue;
    }
    try {
      verifyPointer(keyring, owner, stage, versionId, mac);
    } catch (err) {
      const reason = (err as Error).message;
      unreadable.set(`${owner}\0stage:${stage}`, { owner, versionId, reason });
      continue;
    }
    counts.found += 1;
    const outcome = await runScript(redis, VAULT_WRITE, scriptKeys, [
      '',
      'remac',
      stage,
      versionId,
      mac ?? '',
      pointerMac(keyring.current, owner, stage, versionId),
    ]);
    // CHANGED: the pointer moved (under a MAC of the current key); the next pass looks again.
    if (outcome === 'OK') {
      report.remaced += 1;
      counts.changed += 1;
    }
  }
  return counts;
}

export async function rekeyVault(
  deps: RekeyDeps,
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
  await adoptMasterKey(redis, keys, keyring, previous.id);
  const report: RekeyReport = {
    owners: 0,
    reencrypted: 0,
    alreadyCurrent: 0,
    remaced: 0,
    passes: 0,
    unreadable: [],
  };
  const unreadable = new Map<string, RekeyReport['unreadable'][number]>();
  for (;;) {
    report.passes += 1;
    const owners = await redis.smembers(keys.vaultIndex);
    report.owners = owners.length;
    let found = 0;
    for (const [index, owner] of owners.entries()) {
      const counts = await rekeyOwner(deps, previous, owner, report, unreadable);
      found += counts.found;
      if (counts.changed > 0) {
        await audit.append({
          actor: deps.actor,
          action: 'vault.rekey',
          outcome: 'ok',
          account: owner,
          detail: { versions: counts.changed, from: previous.id, to: keyring.current.id },
        });
      }
      onProgress(index + 1, owners.length);
    }
    if (found === 0) {
      break;
    }
    if (report.passes >= MAX_PASSES) {
      throw new PermanentError(
        'internal',
        `vault rekey: still finding versions under the previous master key ${previous.id} after ${MAX_PASSES} passes; is a process writing with it? Run vault rekey again`,
      );
    }
  }
  report.unreadable = [...unreadable.values()];
  // Only a complete pass may retire the old key: unreadable versions keep the check on it.
  if (report.unreadable.length === 0) {
    await writeMasterKeyCheck(redis, keys, keyring);
  }
  return report;
}
