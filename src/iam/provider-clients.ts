/**
 * IAM access per provider from the provider store: resolves the provider's credential (custom
 * or linked from the vault, or the SDK's default chain, optionally followed by AssumeRole) and
 * hands it to the shared gateway cache (provider-gateways.ts), keyed by the credential version.
 * Every call re-checks that version, so a `linked` provider switches to a newly promoted key
 * without a restart; signed-call.ts registers each call with its key, retries one refused
 * because its key was superseded meanwhile, and makes a deactivation wait for calls in flight.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import { PermanentError } from '../errors.ts';
import { providerOwner } from '../keys.ts';
import type { ProviderRecord } from '../providers/provider-schema.ts';
import type { SecretStore } from '../vault/secret-store.ts';
import { assumeRoleCredentials, defaultCredentialChain } from './aws-credentials.ts';
import { createAwsCredentialVerifier } from './aws-credential-verifier.ts';
import type { IamHttpHooks } from './create-iam-clients.ts';
import type { CredentialVerifier, IamGateway, InFlightDrain } from './iam-gateway.ts';
import { createProviderGateways, type ProviderConnection } from './provider-gateways.ts';
import { signedCall, type SignedCallDeps } from './signed-call.ts';
import type { SigningRegistry } from '../queue/signing-registry.ts';

export interface EnvironmentEndpoints {
  region?: string | undefined;
  endpoint?: string | undefined;
  iamEndpoint?: string | undefined;
  stsEndpoint?: string | undefined;
}

export interface ProviderClientsDeps {
  getProvider: (id: string) => Promise<ProviderRecord>;
  vault: SecretStore;
  env: EnvironmentEndpoints;
  /** Rate budget and metrics for every HTTP request made for a provider. */
  hooksFor: (providerId: string) => IamHttpHooks;
  /**
   * Where each call registers the key it is signed with while it runs, so that a deactivation
   * of that key waits for it (absent in unit tests: nothing is registered or waited for).
   */
  signing?: SigningRegistry | undefined;
  /** How long deactivating a key waits for calls signed with it (default 45 s). */
  drainTimeoutMs?: number | undefined;
  onDrainTimeout?: ((accessKeyId: string, outcome: InFlightDrain) => void) | undefined;
}

const DEFAULT_DRAIN_TIMEOUT_MS = 45_000;

export interface ProviderClients {
  /** A gateway that re-checks the provider's credential version before every call. */
  gatewayFor: (providerId: string) => IamGateway;
  /** Verifies a key with sts:GetCallerIdentity at the provider's STS endpoint. */
  verifierFor: (providerId: string) => CredentialVerifier;
  close: () => void;
}

export function providerEndpoints(provider: ProviderRecord, env: EnvironmentEndpoints) {
  return {
    region: provider.region || env.region || 'us-east-1',
    iam: provider.endpoints?.iam ?? env.iamEndpoint ?? env.endpoint,
    sts: provider.endpoints?.sts ?? provider.endpoints?.iam ?? env.stsEndpoint ?? env.endpoint,
  };
}

/** The vault owner that holds a provider's own key, if its credential is kept by us. */
export function credentialOwner(provider: ProviderRecord): string | undefined {
  switch (provider.credential.type) {
    case 'custom':
      return providerOwner(provider.id);
    case 'linked':
      return provider.credential.account;
    case 'chain':
      return undefined;
  }
}

const PROVIDER_CACHE_MS = 1_000;

export function createProviderClients(deps: ProviderClientsDeps): ProviderClients {
  const records = new Map<string, { record: ProviderRecord; at: number }>();
  const connections = new Map<string, ProviderConnection & { cacheKey: string }>();
  /** One STS connection pool per provider endpoint, shared by every key verified there. */
  const verifiers = new Map<string, ReturnType<typeof createAwsCredentialVerifier>>();

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
      return defaultCredentialChain(provider.id);
    }
    const secret = await deps.vault.read(owner, 'current');
    if (secret === undefined || !('secretAccessKey' in secret)) {
      const fix =
        provider.credential.type === 'linked'
          ? 'adopt or rotate that account first'
          : 'add the provider again with its secret';
      throw new PermanentError(
        'provider_credential_invalid',
        `provider "${provider.id}": no secret for ${owner} in the vault; ${fix}`,
      );
    }
    return { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey };
  }

  /** The connection for the provider's current credential version; decrypted once per version. */
  async function resolve(providerId: string): Promise<ProviderConnection> {
    let provider = await providerRecord(providerId);
    let cacheKey = await versionOf(provider);
    if (cacheKey.endsWith('|none') && records.has(providerId)) {
      // No secret where the cached record says: the credential may have just been switched
      // (custom → linked, whose custom secret is gone), so read the record again first.
      records.delete(providerId);
      provider = await providerRecord(providerId);
      cacheKey = await versionOf(provider);
    }
    const cached = connections.get(providerId);
    if (cached?.cacheKey === cacheKey) {
      return cached;
    }
    const endpoints = providerEndpoints(provider, deps.env);
    const base = await baseCredentials(provider);
    const signingKeyId = 'accessKeyId' in base ? base.accessKeyId : undefined;
    const role = provider.assumeRole
      ? assumeRoleCredentials({
          base,
          role: provider.assumeRole,
          region: endpoints.region,
          stsEndpoint: endpoints.sts,
          hooks: deps.hooksFor(providerId),
        })
      : undefined;
    const connection = {
      region: endpoints.region,
      iamEndpoint: endpoints.iam,
      stsEndpoint: endpoints.sts,
      credentials: role?.credentials ?? base,
      cacheKey,
      dispose: role?.dispose,
      signingKeyId,
    };
    connections.set(providerId, connection);
    return connection;
  }

  const gateways = createProviderGateways({ resolve, hooksFor: deps.hooksFor });
  const callDeps: SignedCallDeps = {
    async current(providerId) {
      const { gateway, connection } = await gateways.gateway(providerId);
      return {
        gateway,
        version: connection.cacheKey ?? '',
        signingKeyId: connection.signingKeyId,
      };
    },
    versionNow: async (providerId) => versionOf(await deps.getProvider(providerId)),
    signing: deps.signing,
    drainTimeoutMs: deps.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
    onDrainTimeout: deps.onDrainTimeout,
  };

  function gatewayFor(providerId: string): IamGateway {
    return new Proxy({} as IamGateway, {
      get(_target, method: keyof IamGateway | 'then' | symbol) {
        // Not a thenable: `await gatewayFor(id)` must give the gateway back, not call `then`.
        if (method === 'then' || typeof method === 'symbol') {
          return undefined;
        }
        return (...args: unknown[]) => signedCall(callDeps, providerId, method, args);
      },
    });
  }

  return {
    gatewayFor,
    verifierFor(providerId) {
      return {
        async verify(credentials) {
          const endpoints = providerEndpoints(await providerRecord(providerId), deps.env);
          const poolKey = `${providerId}|${endpoints.region}|${endpoints.sts ?? ''}`;
          let verifier = verifiers.get(poolKey);
          if (verifier === undefined) {
            verifier = createAwsCredentialVerifier({
              region: endpoints.region,
              stsEndpoint: endpoints.sts,
              hooks: deps.hooksFor(providerId),
            });
            verifiers.set(poolKey, verifier);
          }
          // A heartbeat of the provider's own account signs with that key too: registered
          // like any call, so deactivating the key waits for it.
          const hold = await deps.signing?.hold(credentials.accessKeyId);
          try {
            return await verifier.verify(credentials);
          } finally {
            hold?.release();
          }
        },
      };
    },
    close: () => {
      gateways.close();
      for (const verifier of verifiers.values()) {
        verifier.close();
      }
      verifiers.clear();
    },
  };
}
