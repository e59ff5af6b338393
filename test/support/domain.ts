/** The domain services on a test file's own Redis prefix, wired exactly as the application does. */
import { randomBytes } from 'node:crypto';

import { loadConfig } from '../../src/config/load-config.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import type { IamHttpHooks } from '../../src/iam/create-iam-clients.ts';
import type { TestRedis } from './redis.ts';

/** A custom credential body from a key (only its two fields: SDK clients decorate credential objects). */
export function custom(credentials: { accessKeyId: string; secretAccessKey: string }) {
  return {
    type: 'custom' as const,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
  };
}

export function createTestDomain(
  t: TestRedis,
  options: { hooksFor?: (providerId: string) => IamHttpHooks } = {},
): Domain & { masterKey: string } {
  const masterKey = randomBytes(32).toString('base64');
  const config = loadConfig({
    ...t.env,
    IAM_PAM_MASTER_KEY: masterKey,
    IAM_PAM_DEFAULT_MAX_RPS: '1000',
  });
  return {
    ...createDomain({ config, redis: t.redis, hooksFor: options.hooksFor }),
    masterKey,
  };
}
