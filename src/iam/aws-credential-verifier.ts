/**
 * Proves that a key works (DESIGN.md invariant 2): sts:GetCallerIdentity signed with it, one
 * attempt per call — the caller polls with backoff for IAM's propagation delay, and an unknown
 * key during that wait is `new_key_not_yet_valid` (transient), not a broken provider. Each
 * call gets a client signed with its key, but all share one connection pool (and its hooks),
 * so a sweep of heartbeats opens no connection per key.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { classifyIamError } from './classify-iam-error.ts';
import { IAM_PAM_USER_AGENT } from '../process-identity.ts';
import { createHookedHandler, type IamHttpHooks } from './create-iam-clients.ts';
import type { CredentialVerifier } from './iam-gateway.ts';
import { createIamRetryStrategy } from './retry-strategy.ts';

export function createAwsCredentialVerifier(options: {
  region: string;
  stsEndpoint?: string | undefined;
  hooks?: IamHttpHooks | undefined;
}): CredentialVerifier & { close(): void } {
  const requestHandler = createHookedHandler('sts', {
    region: options.region,
    hooks: options.hooks,
  });
  return {
    async verify(credentials) {
      // Not destroyed after the call: destroying a client closes its handler's sockets.
      const sts = new STSClient({
        region: options.region,
        endpoint: options.stsEndpoint,
        credentials,
        customUserAgent: IAM_PAM_USER_AGENT,
        retryStrategy: createIamRetryStrategy(1),
        requestHandler,
      });
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
      } catch (err) {
        throw classifyIamError(err, { action: 'GetCallerIdentity', signedWith: 'new_key' });
      }
    },
    close: () => requestHandler.destroy(),
  };
}
