/**
 * The vault on Redis: AES-256-GCM envelopes in one hash per owner, written only through the
 * fenced Lua script, audited on every write. Where the deployment has replicas, a write that
 * matters waits for them (`WAIT`), so a failover cannot lose a secret we already acted on.
 */
import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import type { AuditLog } from '../audit/audit-log.ts';
import { PermanentError, TransientError } from '../errors.ts';
import type { AccountKind } from '../identifiers.ts';
import type { Fence } from '../jobs/define-job.ts';
import { type Keys, providerOfOwner } from '../keys.ts';
import { runScript } from '../queue/run-script.ts';
import { additionalData, type Envelope, open, seal } from './envelope.ts';
import type { Keyring } from './keyring.ts';
import type {
  SecretStore,
  SecretValue,
  VaultStage,
  VersionInfo,
  WriteOptions,
} from './secret-store.ts';
import { VAULT_STAGES } from './secret-store.ts';
import { VAULT_WRITE } from './vault-script.ts';

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
  /** How long a write waits for replicas to acknowledge it (when there are replicas). */
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

export function createRedisVault(options: RedisVaultOptions): SecretStore {
  const { redis, keys, audit } = options;
  const ring = (): Keyring =>
    typeof options.keyring === 'function' ? options.keyring() : options.keyring;
  async function waitForReplicas(): Promise<void> {
    // Read each time: replicas come and go, and a stale count would fail every later write.
    const info = await redis.info('replication');
    const count = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
    if (count > 0) {
      const acknowledged = await redis.wait(count, options.replicaWaitMs ?? 1_000);
      if (acknowledged < count) {
        throw new TransientError(
          'redis_unavailable',
          `vault write applied but acknowledged by ${acknowledged} of ${count} Redis replicas in time; retrying is safe`,
        );
      }
    }
  }

  /** The user lease guarding an account's record; none for a provider's own credential. */
  function leaseOf(owner: string, fence: Fence | undefined): string {
    if (fence) {
      return keys.userLease(fence.user.provider, fence.user.userName);
    }
    const [provider, userName, kind] = owner.split('/');
    return provider && userName && kind ? keys.userLease(provider, userName) : keys.vault(owner);
  }

  const REFUSALS: Array<
    [string, (action: string, owner: string, fence: Fence | undefined) => Error]
  > = [
    [
      'LEASE_LOST',
      (action, owner, fence) =>
        new TransientError(
          'lease_lost',
          `vault ${action} on ${owner} refused: this worker no longer holds the lease on the IAM user (fencing token ${fence?.fencingToken})`,
        ),
    ],
    [
      'LEASED',
      (action, owner) =>
        new PermanentError(
          'conflict',
          `vault ${action} on ${owner} refused: a job is working on this IAM user (a rotation?); try again when it is done`,
        ),
    ],
    [
      'NO_PENDING',
      (action, owner) =>
        new PermanentError(
          'conflict',
          `vault ${action} on ${owner} refused: there is no pending version to promote`,
        ),
    ],
    [
      'OTHER_PENDING',
      (action, owner) =>
        new PermanentError(
          'conflict',
          `vault ${action} on ${owner} refused: the pending version is not the one named`,
        ),
    ],
    [
      'EMPTY_STAGE',
      (action, owner) =>
        new PermanentError(
          'conflict',
          `vault ${action} on ${owner} refused: the stage it moves is empty`,
        ),
    ],
    [
      'SAME_STAGE',
      (action, owner) =>
        new PermanentError(
          'invalid_input',
          `vault ${action} on ${owner} refused: a version cannot move onto its own stage`,
        ),
    ],
  ];

  /** Runs the write script; audits what it did (`ok` as soon as it is applied) or why not. */
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
    let outcome: unknown;
    try {
      outcome = await runScript(
        redis,
        VAULT_WRITE,
        [keys.vault(owner), keys.vaultIndex, leaseOf(owner, fence)],
        [fence ? fence.value : '', op, ...args],
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await audit.append({ ...base, outcome: 'refused', detail: { why: message } });
      const refusal = REFUSALS.find(([code]) => message.includes(code));
      throw refusal ? refusal[1](audited.action, owner, fence) : err;
    }
    if (outcome !== 'ABSENT' && outcome !== 'ALREADY') {
      await audit.append({ ...base, outcome: 'ok' });
    }
    await waitForReplicas();
    return outcome;
  }

  async function storedAt(owner: string, stage: VaultStage): Promise<StoredVersion | undefined> {
    const record = keys.vault(owner);
    const versionId = await redis.hget(record, `stage:${stage}`);
    if (versionId === null) {
      return undefined;
    }
    const json = await redis.hget(record, `version:${versionId}`);
    if (json === null) {
      return undefined;
    }
    const stored = parseStoredVersion(json);
    // The AAD names the version id inside the record: it must be the one the stage points at,
    // or a version copied over another would decrypt as that one.
    if (stored.versionId !== versionId) {
      throw new PermanentError(
        'vault_unreadable',
        `vault record ${owner} (${stage}) holds version ${stored.versionId} under the id ${versionId}: it was altered; nothing was read`,
      );
    }
    return stored;
  }

  return {
    async put(owner, stage, value, writeOptions) {
      const stored = sealVersion(owner, value, ring());
      const { versionId } = stored;
      await write(owner, 'put', [stage, versionId, JSON.stringify(stored), owner], writeOptions, {
        action: `vault.put.${stage}`,
        keyId: stored.accessKeyId,
      });
      return {
        versionId,
        stages: [stage],
        kind: stored.kind,
        accessKeyId: stored.accessKeyId,
        createdAt: stored.createdAt,
        masterKeyId: ring().current.id,
      };
    },

    async promote(owner, writeOptions) {
      const pending = await storedAt(owner, 'pending');
      await write(owner, 'promote', [writeOptions.versionId ?? ''], writeOptions, {
        action: 'vault.promote',
        keyId: pending?.accessKeyId,
      });
    },

    async move(owner, from, to, writeOptions) {
      await write(owner, 'move', [from, to], writeOptions, { action: `vault.move.${from}.${to}` });
    },

    async clear(owner, stage, writeOptions) {
      const stored = await storedAt(owner, stage);
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
      return (await redis.hget(keys.vault(owner), `stage:${stage}`)) ?? undefined;
    },

    async removeOwner(owner, writeOptions) {
      await write(owner, 'remove', [owner], writeOptions, { action: 'vault.remove' });
    },
  };
}
