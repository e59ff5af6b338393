/**
 * IAM access per provider: resolves the provider's credential (custom or linked from the vault,
 * or the SDK's default chain, optionally followed by AssumeRole), caches clients per provider
 * and credential version, and checks that version before every call, so a `linked` provider
 * switches to a newly promoted key without a restart.
 */
import { STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { PermanentError, TransientError } from '../errors.ts';
import type { ProviderRecord } from '../providers/provider-schema.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import { createAssumeRoleCredentials } from './assume-role-credentials.ts';
import { createAwsIamGateway } from './aws-iam-gateway.ts';
import { createAwsCredentialVerifier } from './aws-credential-verifier.ts';
import { createIamClients, type IamHttpHooks } from './create-iam-clients.ts';
import type { CredentialVerifier, IamGateway } from './iam-gateway.ts';

export interface EnvironmentEndpoints {
  region?: string | undefined;
  endpoint?: string | undefined;
  iamEndpoint?: string | undefined;
  stsEndpoint?: string | undefined;
}

export interface ProviderClientsDeps {
  getProvider(id: string): Promise<ProviderRecord>;
  vault: SecretStore;
  env: EnvironmentEndpoints;
  /** Rate budget and metrics for every HTTP request made for this provider. */
  hooksFor?: ((providerId: string) => IamHttpHooks | undefined) | undefined;
}

export interface ProviderClients {
  /** A gateway that re-checks the provider's credential version before every call. */
  gatewayFor: (providerId: string) => IamGateway;
  /** Verifies a key with sts:GetCallerIdentity at the provider's STS endpoint. */
  verifierFor: (providerId: string) => CredentialVerifier;
  /** The credential version the next call will use (for in-flight accounting and tests). */
  credentialVersion: (providerId: string) => Promise<string>;
}

export function providerEndpoints(provider: ProviderRecord, env: EnvironmentEndpoints) {
  const iam = provider.endpoints?.iam ?? env.iamEndpoint ?? env.endpoint;
  return {
    region: provider.region || env.region || 'us-east-1',
    iam,
    sts: provider.endpoints?.sts ?? provider.endpoints?.iam ?? env.stsEndpoint ?? env.endpoint,
  };
}

/** The vault owner that holds a provider's own key, if its credential is kept by us. */
export function credentialOwner(provider: ProviderRecord): string | undefined {
  switch (provider.credential.type) {
    case 'custom':
      return `provider:${provider.id}`;
    case 'linked':
      return provider.credential.account;
    case 'chain':
      return undefined;
  }
}

interface Resolved {
  version: string;
  gateway: IamGateway;
}

const PROVIDER_CACHE_MS = 1_000;

export function createProviderClients(deps: ProviderClientsDeps): ProviderClients {
  const resolved = new Map<string, Resolved>();
  const records = new Map<string, { record: ProviderRecord; at: number }>();

  async function providerRecord(id: string): Promise<ProviderRecord> {
    const cached = records.get(id);
    if (cached && Date.now() - cached.at < PROVIDER_CACHE_MS) {
      return cached.record;
    }
    const record = await deps.getProvider(id);
    records.set(id, { record, at: Date.now() });
    return record;
  }

  async function versionOf(provider: ProviderRecord): Promise<string> {
    const owner = credentialOwner(provider);
    const secretVersion =
      owner === undefined ? 'chain' : ((await deps.vault.versionIdAt(owner, 'current')) ?? 'none');
    return `${provider.updatedAt}|${secretVersion}`;
  }

  async function baseCredentials(
    provider: ProviderRecord,
  ): Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider> {
    const owner = credentialOwner(provider);
    if (owner === undefined) {
      return defaultProvider();
    }
    const secret = await deps.vault.read(owner, 'current');
    if (secret === undefined || !('secretAccessKey' in secret)) {
      throw new PermanentError(
        'provider_credential_invalid',
        `provider "${provider.id}": no secret for ${owner} in the vault; ${provider.credential.type === 'linked' ? 'adopt or rotate that account first' : 'add the provider again with its secret'}`,
      );
    }
    return { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey };
  }

  async function resolve(providerId: string): Promise<Resolved> {
    const provider = await providerRecord(providerId);
    const version = await versionOf(provider);
    const cached = resolved.get(providerId);
    if (cached?.version === version) {
      return cached;
    }
    const endpoints = providerEndpoints(provider, deps.env);
    const hooks = deps.hooksFor?.(providerId);
    let credentials = await baseCredentials(provider);
    if (provider.assumeRole) {
      const sts = new STSClient({ region: endpoints.region, endpoint: endpoints.sts, credentials });
      credentials = createAssumeRoleCredentials(sts, provider.assumeRole);
    }
    const clients = createIamClients({
      region: endpoints.region,
      iamEndpoint: endpoints.iam,
      stsEndpoint: endpoints.sts,
      credentials,
      hooks,
    });
    const entry = { version, gateway: createAwsIamGateway(clients) };
    resolved.set(providerId, entry);
    return entry;
  }

  function gatewayFor(providerId: string): IamGateway {
    // Every method resolves first: the version check happens before each call.
    return new Proxy({} as IamGateway, {
      get(_target, method: keyof IamGateway) {
        return async (...args: unknown[]) => {
          const { gateway, version } = await resolve(providerId);
          try {
            return await (gateway[method] as (...a: unknown[]) => Promise<unknown>)(...args);
          } catch (err) {
            // A call signed with a key that was replaced meanwhile: the new key will do.
            if (
              (err as { code?: string }).code === 'provider_credential_invalid' &&
              (await versionOf(await deps.getProvider(providerId))) !== version
            ) {
              throw new TransientError(
                'provider_key_superseded',
                `provider "${providerId}": the call was signed with a superseded key; retrying with the current one`,
                { cause: err },
              );
            }
            throw err;
          }
        };
      },
    });
  }

  return {
    gatewayFor,
    verifierFor(providerId) {
      return {
        async verify(credentials) {
          const provider = await providerRecord(providerId);
          const endpoints = providerEndpoints(provider, deps.env);
          return createAwsCredentialVerifier({
            region: endpoints.region,
            stsEndpoint: endpoints.sts,
            hooks: deps.hooksFor?.(providerId),
          }).verify(credentials);
        },
      };
    },
    async credentialVersion(providerId) {
      return versionOf(await providerRecord(providerId));
    },
  };
}
