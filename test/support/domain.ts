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

/**
 * Stores a provider that signs as `signer` against the file's IAM backend (its endpoint, a
 * 200 req/s budget, the given lifecycle policy): one per test, so policies and validations do
 * not leak between tests.
 */
export async function putBackendProvider(
  domain: Pick<Domain, 'providers'>,
  backend: { region: string; endpoint?: string | undefined },
  id: string,
  signer: { credentials: { accessKeyId: string; secretAccessKey: string } },
  policy: Record<string, unknown> = {},
): Promise<string> {
  await domain.providers.put(
    id,
    {
      region: backend.region,
      ...(backend.endpoint ? { endpoints: { iam: backend.endpoint } } : {}),
      credential: custom(signer.credentials),
      maxRps: 200,
      policy,
    },
    'test',
  );
  return id;
}
