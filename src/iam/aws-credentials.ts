/**
 * The credentials a provider signs with, beyond a plain key: the AWS SDK's default chain (env,
 * profile, instance role; `provider_credentials_unavailable` when it finds none), and temporary credentials from sts:AssumeRole (renewed five minutes
 * before they expire; errors classified like any IAM call).
 */
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { TransientError } from '../errors.ts';
import { classifyIamError } from './classify-iam-error.ts';
import { createIamClients, type IamHttpHooks } from './create-iam-clients.ts';

/**
 * The SDK's default chain for a `chain` provider. When it finds nothing, the error names the
 * provider and what to do (the SDK's own says only which sources it tried).
 */
export function defaultCredentialChain(providerId: string): AwsCredentialIdentityProvider {
  const chain = defaultProvider();
  return async () => {
    try {
      return await chain();
    } catch (err) {
      throw new TransientError(
        'provider_credentials_unavailable',
        `provider "${providerId}" signs with the AWS SDK's credential chain, which found no credentials for this process (environment variables, shared config files, container or instance role); give the iam-pam processes credentials, or add the provider with --access-key-id`,
        { cause: { name: (err as Error).name, message: (err as Error).message } },
      );
    }
  };
}

const RENEW_BEFORE_MS = 5 * 60_000;

export interface AssumedRole {
  credentials: AwsCredentialIdentityProvider;
  /** Closes the STS client's sockets. */
  dispose: () => void;
}

export function assumeRoleCredentials(options: {
  base: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  role: { roleArn: string; externalId?: string | undefined };
  region: string;
  stsEndpoint: string | undefined;
  hooks: IamHttpHooks;
}): AssumedRole {
  const { iam, sts } = createIamClients({
    region: options.region,
    stsEndpoint: options.stsEndpoint,
    credentials: options.base,
    hooks: options.hooks,
  });
  iam.destroy();
  let cached: (AwsCredentialIdentity & { expiration: Date }) | undefined;
  const credentials: AwsCredentialIdentityProvider = async () => {
    if (cached && cached.expiration.getTime() - Date.now() > RENEW_BEFORE_MS) {
      return cached;
    }
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: options.role.roleArn,
          ExternalId: options.role.externalId,
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
  return { credentials, dispose: () => sts.destroy() };
}
