/**
 * Providers in Redis: one JSON record each (no secret) plus an index set. A `custom`
 * credential's secret is written to the vault (owner `provider:<id>`) before the record, so a
 * record never points at a secret that is not there.
 */
import type { Redis } from 'ioredis';

import type { AuditLog } from '../audit/audit-log.ts';
import { parseInput } from '../describe-zod-error.ts';
import { invalidInput, PermanentError } from '../errors.ts';
import { checkIdentifier, providerIdSchema } from '../identifiers.ts';
import { type Keys, providerOwner } from '../keys.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import {
  DEFAULT_LIFECYCLE_POLICY,
  type LifecyclePolicy,
  lifecyclePolicySchema,
} from './lifecycle-policy.ts';
import {
  type ProviderRecord,
  type ProviderStatus,
  providerInputSchema,
  toStoredCredential,
} from './provider-schema.ts';

export interface ProviderValidation {
  status: ProviderStatus;
  denied: string[];
  principalArn?: string | undefined;
  statusDetail?: string | undefined;
}

export interface ProviderStore {
  /** Creates or replaces a provider from an untrusted body; an absent policy keeps the current one. */
  put(
    id: string,
    body: unknown,
    actor: string,
  ): Promise<{ record: ProviderRecord; created: boolean }>;
  get(id: string): Promise<ProviderRecord | undefined>;
  /** The provider, or `not_found` naming it. */
  require(id: string): Promise<ProviderRecord>;
  list(): Promise<ProviderRecord[]>;
  /** Removes a provider that manages no account (`provider_in_use` otherwise) and its secret. */
  remove(id: string, actor: string): Promise<void>;
  /** Replaces or patches the lifecycle policy, validated field by field. */
  updatePolicy(
    id: string,
    patch: unknown,
    actor: string,
    options?: { replace?: boolean },
  ): Promise<ProviderRecord>;
  /**
   * Records a check made of the provider as it was at `checkedVersion` (its `updatedAt`); a
   * provider replaced meanwhile keeps its own state (false is returned).
   */
  recordValidation(
    id: string,
    validation: ProviderValidation,
    checkedVersion: string,
  ): Promise<boolean>;
}

export interface ProviderStoreDeps {
  redis: Redis;
  keys: Keys;
  vault: SecretStore;
  audit: AuditLog;
  /** How many accounts a provider manages (providers cannot be removed while it has some). */
  countAccounts(providerId: string): Promise<number>;
  /** The managed account a `linked` credential names, if it exists: is its secret known? */
  linkedAccount(ref: string): Promise<{ secretKnown: boolean } | undefined>;
  /** Called after every write of a policy (schedules follow it at once). */
  onPolicyChange?: ((record: ProviderRecord) => Promise<void>) | undefined;
  /** Called after a provider is removed (its schedules go with it). */
  onRemove?: ((providerId: string) => Promise<void>) | undefined;
}

export function checkProviderId(id: string): string {
  return checkIdentifier(providerIdSchema, 'provider id', id);
}

export function createProviderStore(deps: ProviderStoreDeps): ProviderStore {
  const { redis, keys, vault, audit } = deps;

  async function get(id: string): Promise<ProviderRecord | undefined> {
    const json = await redis.get(keys.provider(id));
    return json === null ? undefined : (JSON.parse(json) as ProviderRecord);
  }

  async function save(record: ProviderRecord): Promise<void> {
    await redis
      .multi()
      .set(keys.provider(record.id), JSON.stringify(record))
      .sadd(keys.providers, record.id)
      .exec();
  }

  async function require(id: string): Promise<ProviderRecord> {
    const record = await get(checkProviderId(id));
    if (record === undefined) {
      throw new PermanentError(
        'not_found',
        `provider "${id}" does not exist; list them with iam-pam provider list`,
      );
    }
    return record;
  }

  return {
    get,
    require,

    async put(id, body, actor) {
      checkProviderId(id);
      const input = parseInput(providerInputSchema, body);
      if (input.id !== undefined && input.id !== id) {
        throw invalidInput(`id: "${input.id}" differs from the provider id in the path ("${id}")`);
      }
      if (input.credential.type === 'linked') {
        const linked = await deps.linkedAccount(input.credential.account);
        if (linked === undefined) {
          throw invalidInput(
            `credential.account: ${input.credential.account} is not a managed account; manage it first (iam-pam account add) under the provider that can reach it`,
          );
        }
        if (!linked.secretKnown) {
          throw invalidInput(
            `credential.account: the secret of ${input.credential.account} is unknown; adopt it (account add --adopt-secret-stdin) or rotate it first`,
          );
        }
      }
      const existing = await get(id);
      const now = new Date().toISOString();
      if (input.credential.type === 'custom') {
        await vault.put(
          providerOwner(id),
          'current',
          {
            accessKeyId: input.credential.accessKeyId,
            secretAccessKey: input.credential.secretAccessKey,
          },
          { actor },
        );
      } else if (existing?.credential.type === 'custom') {
        await vault.removeOwner(providerOwner(id), { actor });
      }
      const record: ProviderRecord = {
        id,
        description: input.description,
        region: input.region,
        endpoints: input.endpoints,
        credential: toStoredCredential(input.credential),
        assumeRole: input.assumeRole,
        maxRps: input.maxRps,
        policy: input.policy ?? existing?.policy ?? DEFAULT_LIFECYCLE_POLICY,
        status: 'unknown',
        denied: [],
        statusDetail: 'not validated yet: run iam-pam provider validate',
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await save(record);
      await audit.append({
        actor,
        action: existing ? 'provider.replace' : 'provider.add',
        outcome: 'ok',
        provider: id,
        keyId: record.credential.type === 'custom' ? record.credential.accessKeyId : undefined,
        detail: { credential: record.credential.type },
      });
      await deps.onPolicyChange?.(record);
      return { record, created: existing === undefined };
    },

    async list() {
      const ids = (await redis.smembers(keys.providers)).sort();
      const records = await Promise.all(ids.map((id) => get(id)));
      return records.filter((r): r is ProviderRecord => r !== undefined);
    },

    async remove(id, actor) {
      await require(id);
      const count = await deps.countAccounts(id);
      if (count > 0) {
        throw new PermanentError(
          'provider_in_use',
          `provider "${id}" still manages ${count} account(s); remove them first (iam-pam account list --provider ${id})`,
        );
      }
      await vault.removeOwner(providerOwner(id), { actor });
      await redis.multi().del(keys.provider(id)).srem(keys.providers, id).exec();
      await audit.append({ actor, action: 'provider.remove', outcome: 'ok', provider: id });
      await deps.onRemove?.(id);
    },

    async updatePolicy(id, patch, actor, options = {}) {
      const record = await require(id);
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
        throw invalidInput('policy: must be a JSON object, e.g. {"rotateEveryDays": 30}');
      }
      const policy: LifecyclePolicy = parseInput(
        lifecyclePolicySchema,
        options.replace ? patch : { ...record.policy, ...patch },
        'policy',
      );
      const updated = { ...record, policy, updatedAt: new Date().toISOString() };
      await save(updated);
      await audit.append({
        actor,
        action: 'provider.policy',
        outcome: 'ok',
        provider: id,
        detail: { changed: Object.keys(patch) },
      });
      await deps.onPolicyChange?.(updated);
      return updated;
    },

    async recordValidation(id, validation, checkedVersion) {
      const record = await require(id);
      if (record.updatedAt !== checkedVersion) {
        return false;
      }
      await save({ ...record, ...validation, validatedAt: new Date().toISOString() });
      return true;
    },
  };
}
