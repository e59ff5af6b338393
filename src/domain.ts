/**
 * The domain services every process shares — audit, vault, providers, accounts, IAM access per
 * provider — built from configuration and one Redis connection. The vault opens only after
 * `unlockVault()` has checked the master key, so commands that touch no secret need none.
 */
import type { Redis } from 'ioredis';

import { parseAccountRef } from './accounts/account-ref.ts';
import { type AccountStore, createAccountStore } from './accounts/account-store.ts';
import { type AuditLog, createAuditLog } from './audit/audit-log.ts';
import { type AppConfig, ConfigError, requireMasterKey } from './config/load-config.ts';
import { createDiscoveryStore, type DiscoveryStore } from './discovery/discovery-store.ts';
import type { IamHttpHooks } from './iam/create-iam-clients.ts';
import { createProviderClients, type ProviderClients } from './iam/provider-clients.ts';
import { createKeys, type Keys } from './keys.ts';
import type { Logger } from './logger.ts';
import { type BudgetOf, createRateBudget } from './queue/rate-budget.ts';
import { createQueues, type QueueSet } from './producers/create-queues.ts';
import { createSchedules, type Schedules, type ScheduleViews } from './producers/schedules.ts';
import type { ProviderRecord } from './providers/provider-schema.ts';
import { createProviderStore, type ProviderStore } from './providers/provider-store.ts';
import type { JournalStore } from './jobs/rotate/journal.ts';
import { createReplicaWait } from './queue/replica-wait.ts';
import { createSigningRegistry } from './queue/signing-registry.ts';
import { createRedisJournal } from './rotation/redis-journal.ts';
import type { ScheduleUnits } from './providers/schedule-plan.ts';
import { createKeyring, type Keyring } from './vault/keyring.ts';
import { verifyMasterKey } from './vault/master-key-check.ts';
import { pointerMac } from './vault/pointer-mac.ts';
import { createRedisVault, sealVersion } from './vault/redis-vault.ts';
import type { SecretStore } from './vault/secret-store.ts';

export interface Domain {
  keys: Keys;
  redis: Redis;
  audit: AuditLog;
  vault: SecretStore;
  accounts: AccountStore;
  providers: ProviderStore;
  /** Each provider's last discovery and its baseline snapshots. */
  discoveries: DiscoveryStore;
  /** Each managed account's rotation journal (open and closed). */
  journals: JournalStore;
  /** Each provider's job schedulers, which every policy write and provider removal follow. */
  schedules: Schedules;
  /** The schedules' time units, which the sweeps spread their jobs by (tests shrink a minute). */
  scheduleUnits: ScheduleUnits | undefined;
  clients: ProviderClients;
  /** Closes the IAM clients' sockets (and the schedulers' queues, when the domain made them). */
  close(): void;
  /** Checks the master key against the vault; required before reading or writing a secret. */
  unlockVault(): Promise<Keyring>;
}

export interface DomainOptions {
  config: AppConfig;
  redis: Redis;
  /**
   * What each provider's IAM requests pass (worker processes: the engine's budget, metrics and
   * deadline). Default: the provider's rate budget alone, for the CLI and the API.
   */
  hooksFor?: ((providerId: string) => IamHttpHooks) | undefined;
  /** The process's queues, for the schedulers; default: the domain's own, on its connection. */
  queues?: QueueSet | undefined;
  /** Tests shrink a schedule's minute; production runs on real time. */
  scheduleUnits?: ScheduleUnits | undefined;
  /** Where the IAM access warns (a deactivation that stopped waiting for calls in flight). */
  log?: Logger | undefined;
}

/** A provider's IAM requests/s: its own `maxRps`, else IAM_PAM_DEFAULT_MAX_RPS. */
export async function budgetOf(
  providers: ProviderStore,
  providerId: string,
  defaultMaxRps: number,
): Promise<number> {
  return (await providers.get(providerId))?.maxRps ?? defaultMaxRps;
}

/** The shared rate budget alone (no engine around to delay a throttled job: the SDK may retry). */
function budgetHooks(redis: Redis, keys: Keys, of: BudgetOf): (providerId: string) => IamHttpHooks {
  const budget = createRateBudget({ redis, keys, budgetOf: of });
  return (providerId) => ({
    beforeRequest: async () => {
      await budget.acquire(providerId);
    },
  });
}

export function createDomain(options: DomainOptions): Domain {
  const { config, redis } = options;
  const keys = createKeys(config.redis.prefix);
  const audit = createAuditLog(redis, keys);
  let keyring: Keyring | undefined;
  const sealedVault = createRedisVault({
    redis,
    keys,
    audit,
    minReplicas: config.redis.minReplicas ?? 0,
    keyring: () => {
      if (keyring === undefined) {
        // Reaching here without unlockVault() is a bug in the caller, or a missing key.
        requireMasterKey(config);
        throw new ConfigError('IAM_PAM_MASTER_KEY: the vault was used before its key was checked');
      }
      return keyring;
    },
  });
  async function unlockVault(): Promise<Keyring> {
    if (keyring === undefined) {
      const candidate = createKeyring(requireMasterKey(config), config.vault.masterKeyPrevious);
      await verifyMasterKey(redis, keys, candidate);
      keyring = candidate;
    }
    return keyring;
  }
  // Whatever reads or writes a secret checks the master key first, once per process.
  const vault: SecretStore = {
    ...sealedVault,
    put: async (...args) => (await unlockVault(), sealedVault.put(...args)),
    promote: async (...args) => (await unlockVault(), sealedVault.promote(...args)),
    move: async (...args) => (await unlockVault(), sealedVault.move(...args)),
    clear: async (...args) => (await unlockVault(), sealedVault.clear(...args)),
    read: async (...args) => (await unlockVault(), sealedVault.read(...args)),
    // A stage pointer is checked against its MAC, under the master key.
    versionIdAt: async (...args) => (await unlockVault(), sealedVault.versionIdAt(...args)),
  };
  const accounts = createAccountStore(redis, keys);
  // Made on first use: most commands never touch a schedule.
  let ownQueues: QueueSet | undefined;
  const schedules = createSchedules({
    queues: {
      get: (name) => (options.queues ?? (ownQueues ??= createQueues(redis, keys))).get(name),
    },
    units: options.scheduleUnits,
  });
  const providers: ProviderStore = createProviderStore({
    redis,
    keys,
    vault,
    audit,
    countAccounts: (id) => accounts.count(id),
    linkedAccount: (ref) => accounts.get(parseAccountRef(ref)),
    // The record as stored now: a concurrent write may have landed after this one.
    onPolicyChange: async (record) => {
      const current = await providers.get(record.id);
      await (current === undefined ? schedules.remove(record.id) : schedules.apply(current));
    },
    onRemove: (id) => schedules.remove(id),
  });
  const signing = createSigningRegistry({
    redis,
    keys,
    ttlMs: config.worker.jobLockMs,
    onError: (err) => options.log?.warn({ err }, 'signing registry: an entry was not written'),
  });
  const clients = createProviderClients({
    getProvider: (id) => providers.require(id),
    signing,
    drainTimeoutMs: (config.iam.keyDrainTimeoutS ?? 45) * 1_000,
    onDrainTimeout: (accessKeyId, outcome) =>
      options.log?.warn(
        { accessKeyId, waitedMs: outcome.waitedMs, stillInFlight: outcome.stillInFlight },
        `deactivating ${accessKeyId}: calls signed with it were still in flight after IAM_PAM_KEY_DRAIN_TIMEOUT_S; deactivated anyway`,
      ),
    vault,
    env: {
      region: config.iam.region,
      endpoint: config.iam.endpoint,
      iamEndpoint: config.iam.iamEndpoint,
      stsEndpoint: config.iam.stsEndpoint,
    },
    hooksFor:
      options.hooksFor ??
      budgetHooks(redis, keys, (id) => budgetOf(providers, id, config.iam.defaultMaxRps)),
  });
  return {
    keys,
    redis,
    audit,
    vault,
    accounts,
    providers,
    discoveries: createDiscoveryStore({ redis, keys }),
    journals: createRedisJournal({
      redis,
      keys,
      audit,
      waitForReplicas: createReplicaWait({ redis, minReplicas: config.redis.minReplicas ?? 0 }),
      seal: async (owner, value) => {
        const keyring = await unlockVault();
        const stored = sealVersion(owner, value, keyring);
        return {
          versionId: stored.versionId,
          accessKeyId: stored.accessKeyId,
          json: JSON.stringify(stored),
          keyId: keyring.current.id,
          mac: pointerMac(keyring.current, owner, 'pending', stored.versionId),
        };
      },
    }),
    schedules,
    scheduleUnits: options.scheduleUnits,
    clients,
    unlockVault,
    close: () => {
      clients.close();
      signing.close();
      // The queues share the caller's connection: closing them sends nothing to Redis.
      void ownQueues?.close();
    },
  };
}

/** A provider as `provider show` and `GET /v1/providers/{id}` show it: with its schedules. */
export async function withSchedules(
  domain: Pick<Domain, 'schedules'>,
  record: ProviderRecord,
): Promise<ProviderRecord & { schedules: ScheduleViews }> {
  return { ...record, schedules: await domain.schedules.show(record) };
}

/**
 * For long-running processes: a wrong master key stops the start with a clear error; a missing
 * one is logged (what needs no secret still runs; what does fails naming the variable).
 */
export async function checkMasterKeyAtStart(
  domain: Domain,
  config: AppConfig,
  log: Logger,
): Promise<void> {
  if (config.vault.masterKey === undefined) {
    log.warn(
      'IAM_PAM_MASTER_KEY is not set: anything that reads or writes a secret will fail until it is',
    );
    return;
  }
  await domain.unlockVault();
}
