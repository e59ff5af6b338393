/**
 * Proves that a key works (DESIGN.md invariant 2): sts:GetCallerIdentity signed with it, one
 * attempt per call — the caller polls with backoff for IAM's propagation delay, and an unknown
 * key during that wait is `new_key_not_yet_valid` (transient), not a broken provider.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { classifyIamError } from './classify-iam-error.ts';
import { createIamClients, type IamHttpHooks } from './create-iam-clients.ts';
import type { CredentialVerifier } from './iam-gateway.ts';

export function createAwsCredentialVerifier(options: {
  region: string;
  stsEndpoint?: string | undefined;
  hooks?: IamHttpHooks | undefined;
}): CredentialVerifier {
  return {
    async verify(credentials) {
      const { iam, sts } = createIamClients({
        region: options.region,
        stsEndpoint: options.stsEndpoint,
        credentials,
        hooks: options.hooks,
        maxAttempts: 1,
      });
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
      } catch (err) {
        throw classifyIamError(err, { action: 'GetCallerIdentity', signedWith: 'new_key' });
      } finally {
        iam.destroy();
        sts.destroy();
      }
    },
  };
}
