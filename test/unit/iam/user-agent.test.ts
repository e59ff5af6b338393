/**
 * Every IAM and STS call names its process in its user agent (src/process-identity.ts): the
 * provider's clients and the key verifier, as the sandbox's request log records them — with
 * the host and pid the signing registry's entries carry.
 */
import { GetUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAwsCredentialVerifier } from '../../../src/iam/aws-credential-verifier.ts';
import { createIamClients } from '../../../src/iam/create-iam-clients.ts';
import { createKeys } from '../../../src/keys.ts';
import { PROCESS_ID } from '../../../src/process-identity.ts';
import type { RedisConnection } from '../../../src/queue/redis-connections.ts';
import { createSigningRegistry } from '../../../src/queue/signing-registry.ts';
import { createSandbox, type Sandbox } from '../../../src/sandbox/create-sandbox.ts';
import { VERSION } from '../../../src/version.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(() => sandbox.close());

describe('the user agent of iam-pam’s calls', () => {
  it('is iam-pam/<version> and iam-pam-process/<host>-<pid>-<instance> on every client', async () => {
    expect(PROCESS_ID).toMatch(new RegExp(`^[^:]+:${process.pid}:[0-9a-f]{8}$`));
    const registry = createSigningRegistry({
      redis: {} as RedisConnection, // not called: only its id is read
      keys: createKeys('unused'),
      ttlMs: 1_000,
    });
    expect(registry.processId.split(':').slice(0, 2)).toEqual(PROCESS_ID.split(':').slice(0, 2));
    const section = `iam-pam/${VERSION} iam-pam-process/${PROCESS_ID.replaceAll(':', '-')}`;
    const clients = createIamClients({
      region: sandbox.region,
      iamEndpoint: sandbox.endpoint,
      stsEndpoint: sandbox.endpoint,
      credentials: sandbox.adminCredentials,
    });
    const verifier = createAwsCredentialVerifier({
      region: sandbox.region,
      stsEndpoint: sandbox.endpoint,
    });
    const from = sandbox.requests().at(-1)?.seq ?? 0;
    await clients.iam.send(new GetUserCommand({}));
    await clients.iamOnce.send(new GetUserCommand({}));
    await clients.sts.send(new GetCallerIdentityCommand({}));
    await verifier.verify(sandbox.adminCredentials);
    const agents = sandbox.requests(from).map((r) => r.userAgent ?? '');
    expect(agents).toHaveLength(4);
    for (const agent of agents) {
      expect(agent).toContain(section);
    }
    clients.iam.destroy();
    clients.iamOnce.destroy();
    clients.sts.destroy();
    verifier.close();
  });
});
