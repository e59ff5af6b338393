/**
 * The vault on Redis: AES-256-GCM envelopes in one hash per owner, written only through the
 * fenced Lua script (vault-script.ts), audited on every write. Stage pointers carry a MAC under
 * the master key (pointer-mac.ts), checked on every read. Each write waits for the replicas
 * IAM_PAM_MIN_REPLICAS asks for (replica-wait.ts), so a failover cannot lose a secret we
 * already acted on.
 */
import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import type { AuditLog } from '../audit/audit-log.ts';
import { PermanentError, TransientError } from '../errors.ts';
import type { AccountKind } from '../identifiers.ts';
import type { Fence } from '../jobs/define-job.ts';
import { type Keys, providerOfOwner } from '../keys.ts';
import { createReplicaWait } from '../queue/replica-wait.ts';
import { runScript } from '../queue/run-script.ts';
import { additionalData, type Envelope, open, seal } from './envelope.ts';
import type { Keyring } from './keyring.ts';
import { pointerMac, verifyPointer } from './pointer-mac.ts';
import type {
  SecretStore,
  SecretValue,
  VaultStage,
  VersionInfo,
  WriteOptions,
} from './secret-store.ts';
import { VAULT_STAGES } from './secret-store.ts';
import { refusalOf } from './vault-refusals.ts';
import { VAULT_READ_STAGE, VAULT_WRITE } from './vault-script.ts';

/** What the hash holds per version (`version:<id>`): metadata in clear, the secret sealed. */
export interface StoredVersion {
  versionId: string;
  kind: AccountKind;
  accessKeyId: string | undefined;
  createdAt: string;
  envelope: Envelope;
}

export interface RedisVaultOptions {
  redis: Redis;
  keys: Keys;
  /** The master keys, or a getter that throws when this process was started without one. */
  keyring: Keyring | (() => Keyring);
  audit: AuditLog;
  /** Replicas every write waits for (IAM_PAM_MIN_REPLICAS); default 0. */
  minReplicas?: number;
  /** How long a write waits for them before it fails; default 1 s. */
  replicaWaitMs?: number;
}

function kindOf(value: SecretValue): AccountKind {
  return 'password' in value ? 'password' : 'access-key';
}

export function parseStoredVersion(json: string): StoredVersion {
  return JSON.parse(json) as StoredVersion;
}

/** A new version of `owner`'s secret, sealed with the current master key: what a put stores. */
export function sealVersion(owner: string, value: SecretValue, keyring: Keyring): StoredVersion {
  const versionId = randomUUID();
  return {
    versionId,
    kind: kindOf(value),
    accessKeyId: 'accessKeyId' in value ? value.accessKeyId : undefined,
    createdAt: new Date().toISOString(),
    // Only the known fields: SDK clients decorate credential objects they were given.
    envelope: seal(
      JSON.stringify(
        'password' in value
          ? { password: value.password }
          : { accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey },
      ),
      keyring.current,
      additionalData(owner, versionId),
    ),
  };
}

/** The IAM user an account's record belongs to; none for a provider's own credential. */
function userOfOwner(owner: string): { provider: string; userName: string } | undefined {
  const [provider, userName, kind] = owner.split('/');
  return provider && userName && kind ? { provider, userName } : undefined;
}

/** How many times a write whose pointers moved meanwhile reads them again. */
const MAX_CHANGED_RETRIES = 5;

export function createRedisVault(options: RedisVaultOptions): SecretStore {
  const { redis, keys, audit } = options;
  const ring = (): Keyring =>
    typeof options.keyring === 'function' ? options.keyring() : options.keyring;
  const waitForReplicas = createReplicaWait({
    redis,
    minReplicas: options.minReplicas ?? 0,
    timeoutMs: options.replicaWaitMs ?? 1_000,
  });

  /**
   * The lease guarding a record: always its OWNER's IAM user's (a fence for another user is
   * refused, never used to pick the lease); the record itself for a provider's own credential.
   */
  function leaseOf(owner: string, action: string, fence: Fence | undefined): string {
    const user = userOfOwner(owner);
    const lease = user ? keys.userLease(user.provider, user.userName) : keys.vault(owner);
    if (fence && keys.userLease(fence.user.provider, fence.user.userName) !== lease) {
      throw new PermanentError(
        'internal',
        `vault ${action} on ${owner} refused: the fence shown is for the IAM user ${fence.user.provider}/${fence.user.userName}, not this record's; nothing was written`,
      );
    }
    return lease;
  }

  /**
   * Runs the write script; audits what it did (`ok` as soon as it is applied) or why not, then
   * waits for the replicas. `CHANGED` (the pointers it was computed for moved) does nothing:
   * the caller reads again.
   */
  async function write(
    owner: string,
    op: string,
    args: string[],
    writeOptions: WriteOptions,
    audited: { action: string; keyId?: string | undefined },
  ): Promise<unknown> {
    const fence: Fence | undefined = writeOptions.fence;
    const base = {
      actor: writeOptions.actor,
      action: audited.action,
      provider: providerOfOwner(owner),
      account: owner,
      keyId: audited.keyId,
      jobId: writeOptions.jobId,
    };
    const record = keys.vault(owner);
    let outcome: unknown;
    try {
      const lease = leaseOf(owner, audited.action, fence);
      outcome = await runScript(
        redis,
        VAULT_WRITE,
        [record, keys.vaultIndex, lease, keys.vaultMasterKeyId],
        [fence ? fence.value : '', op, ...args],
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await audit.append({ ...base, outcome: 'refused', detail: { why: message } });
      throw refusalOf(message, audited.action, owner, () => ring().current.id) ?? err;
    }
    if (outcome === 'CHANGED') {
      return outcome;
    }
    // A repeat that finds its work done is audited too: the answer to the write that did it may
    // have been lost (ioredis re-sends a command after a reconnect), leaving no entry of its own.
    if (outcome === 'ALREADY') {
      await audit.append({ ...base, outcome: 'ok', detail: { already: true } });
    } else if (outcome !== 'ABSENT') {
      await audit.append({ ...base, outcome: 'ok' });
    }
    await waitForReplicas(record);
    return outcome;
  }

  /** Retries `attempt` while the pointers it was computed for moved under it. */
  async function untilSettled(owner: string, action: string, attempt: () => Promise<unknown>) {
    for (let tries = 0; tries < MAX_CHANGED_RETRIES; tries += 1) {
      if ((await attempt()) !== 'CHANGED') {
        return;
      }
    }
    throw new TransientError(
      'conflict',
      `vault ${action} on ${owner} refused: the record kept changing while it was written; retry`,
    );
  }

  /**
   * The version a stage points at, stage and version read in one step, the pointer's MAC
   * checked (`verify: false` only to name a version in the audit trail).
   */
  async function storedAt(
    owner: string,
    stage: VaultStage,
    verify = true,
  ): Promise<StoredVersion | undefined> {
    const reply = (await runScript(redis, VAULT_READ_STAGE, [keys.vault(owner)], [stage])) as
      [] | [string, string, string];
    if (reply.length === 0) {
      return undefined;
    }
    const [versionId, mac, json] = reply;
    if (verify) {
      verifyPointer(ring(), owner, stage, versionId, mac);
    }
    if (json === '') {
      if (!verify) {
        return undefined;
      }
      throw new PermanentError(
        'vault_unreadable',
        `vault record ${owner}: its ${stage} pointer names version ${versionId}, which is not there: the record was altered; nothing was read`,
      );
    }
    const stored = parseStoredVersion(json);
    // The AAD names the version id inside the record: it must be the one the stage points at,
    // or a version copied over another would decrypt as that one.
    if (verify && stored.versionId !== versionId) {
      throw new PermanentError(
        'vault_unreadable',
        `vault record ${owner} (${stage}) holds version ${stored.versionId} under the id ${versionId}: it was altered; nothing was read`,
      );
    }
    return stored;
  }

  const macOf = (owner: string, stage: VaultStage, versionId: string) =>
    pointerMac(ring().current, owner, stage, versionId);

  return {
    async put(owner, stage, value, writeOptions) {
      const stored = sealVersion(owner, value, ring());
      const { versionId } = stored;
      const key = ring().current;
      await write(
        owner,
        'put',
        [
          stage,
          versionId,
          JSON.stringify(stored),
          owner,
          key.id,
          pointerMac(key, owner, stage, versionId),
        ],
        writeOptions,
        { action: `vault.put.${stage}`, keyId: stored.accessKeyId },
      );
      return {
        versionId,
        stages: [stage],
        kind: stored.kind,
        accessKeyId: stored.accessKeyId,
        createdAt: stored.createdAt,
        masterKeyId: key.id,
      };
    },

    async promote(owner, writeOptions) {
      if (writeOptions.fence && !writeOptions.versionId) {
        throw new PermanentError(
          'internal',
          `vault promote on ${owner} refused: a fenced promote must name the version it promotes`,
        );
      }
      await untilSettled(owner, 'vault.promote', async () => {
        const pending = await storedAt(owner, 'pending');
        // Checked before it becomes `previous` under a new MAC: a forged pointer is not laundered.
        const current = await storedAt(owner, 'current');
        const versionId = writeOptions.versionId ?? pending?.versionId ?? '';
        return write(
          owner,
          'promote',
          [
            versionId,
            current?.versionId ?? '',
            versionId === '' ? '' : macOf(owner, 'current', versionId),
            current ? macOf(owner, 'previous', current.versionId) : '',
          ],
          writeOptions,
          { action: 'vault.promote', keyId: pending?.accessKeyId },
        );
      });
    },

    async move(owner, from, to, writeOptions) {
      await untilSettled(owner, `vault.move.${from}.${to}`, async () => {
        const moved = from === to ? undefined : await storedAt(owner, from);
        return write(
          owner,
          'move',
          [from, to, moved?.versionId ?? '', moved ? macOf(owner, to, moved.versionId) : ''],
          writeOptions,
          { action: `vault.move.${from}.${to}`, keyId: moved?.accessKeyId },
        );
      });
    },

    async clear(owner, stage, writeOptions) {
      // Not verified: clearing a pointer that fails its MAC is how it is got rid of.
      const stored = await storedAt(owner, stage, false);
      await write(owner, 'clear', [stage], writeOptions, {
        action: `vault.clear.${stage}`,
        keyId: stored?.accessKeyId,
      });
    },

    async read(owner, stage) {
      const stored = await storedAt(owner, stage);
      if (stored === undefined) {
        return undefined;
      }
      const plaintext = open(
        stored.envelope,
        ring(),
        additionalData(owner, stored.versionId),
        `vault record ${owner} (${stage}, version ${stored.versionId})`,
      );
      return JSON.parse(plaintext) as SecretValue;
    },

    async versions(owner) {
      const all = await redis.hgetall(keys.vault(owner));
      const stagesOf = new Map<string, VaultStage[]>();
      for (const stage of VAULT_STAGES) {
        const id = all[`stage:${stage}`];
        if (id !== undefined) {
          stagesOf.set(id, [...(stagesOf.get(id) ?? []), stage]);
        }
      }
      return Object.entries(all)
        .filter(([field]) => field.startsWith('version:'))
        .map(([, json]): VersionInfo => {
          const stored = parseStoredVersion(json);
          return {
            versionId: stored.versionId,
            stages: stagesOf.get(stored.versionId) ?? [],
            kind: stored.kind,
            accessKeyId: stored.accessKeyId,
            createdAt: stored.createdAt,
            masterKeyId: stored.envelope.keyId,
          };
        });
    },

    async versionIdAt(owner, stage) {
      return (await storedAt(owner, stage))?.versionId;
    },

    async removeOwner(owner, writeOptions) {
      await write(owner, 'remove', [owner], writeOptions, { action: 'vault.remove' });
    },
  };
}
