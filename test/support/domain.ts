/**
 * The domain services (vault, audit, providers, accounts, IAM per provider) wired on a test
 * file's own Redis prefix, as the application wires them.
 */
import { randomBytes } from 'node:crypto';

import { parseAccountRef } from '../../src/accounts/account-ref.ts';
import { createAccountStore } from '../../src/accounts/account-store.ts';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import { createProviderClients } from '../../src/iam/provider-clients.ts';
import type { IamHttpHooks } from '../../src/iam/create-iam-clients.ts';
import { createKeys } from '../../src/keys.ts';
import { createProviderStore } from '../../src/providers/provider-store.ts';
import { createKeyring } from '../../src/vault/keyring.ts';
import { createRedisVault } from '../../src/vault/redis-vault.ts';
import type { TestRedis } from './redis.ts';

export function createTestDomain(
  t: TestRedis,
  options: { hooksFor?: (providerId: string) => IamHttpHooks | undefined } = {},
) {
  const keys = createKeys(t.prefix);
  const masterKey = randomBytes(32).toString('base64');
  const keyring = createKeyring(masterKey);
  const audit = createAuditLog(t.redis, keys);
  const vault = createRedisVault({ redis: t.redis, keys, keyring, audit });
  const accounts = createAccountStore(t.redis, keys);
  const providers = createProviderStore({
    redis: t.redis,
    keys,
    vault,
    audit,
    countAccounts: (id) => accounts.count(id),
    accountExists: async (ref) => (await accounts.get(parseAccountRef(ref))) !== undefined,
  });
  const clients = createProviderClients({
    getProvider: (id) => providers.require(id),
    vault,
    env: {},
    hooksFor: options.hooksFor,
  });
  return { keys, masterKey, keyring, audit, vault, accounts, providers, clients };
}
