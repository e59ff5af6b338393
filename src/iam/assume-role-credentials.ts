/**
 * Temporary credentials from sts:AssumeRole (for providers that reach another account through a
 * role), renewed five minutes before they expire. Errors are classified like any IAM call.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { classifyIamError } from './classify-iam-error.ts';

const RENEW_BEFORE_MS = 5 * 60_000;

export function createAssumeRoleCredentials(
  sts: STSClient,
  role: { roleArn: string; externalId?: string | undefined },
): AwsCredentialIdentityProvider {
  let cached: (AwsCredentialIdentity & { expiration: Date }) | undefined;
  return async () => {
    if (cached && cached.expiration.getTime() - Date.now() > RENEW_BEFORE_MS) {
      return cached;
    }
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          ExternalId: role.externalId,
          RoleSessionName: 'iam-pam',
          DurationSeconds: 3600,
        }),
      );
      const c = out.Credentials;
      cached = {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken,
        expiration: c?.Expiration ?? new Date(Date.now() + 15 * 60_000),
      };
      return cached;
    } catch (err) {
      throw classifyIamError(err, { action: 'AssumeRole' });
    }
  };
}
