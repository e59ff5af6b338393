/**
 * The IAM gateway of each provider, built on first use and cached. How a provider is reached
 * (region, endpoints, credential) comes from `resolve` (provider-clients.ts, from the provider
 * store). Every HTTP request passes the hooks of its provider: the rate budget and the call
 * metrics.
 */
import { createAwsIamGateway } from './aws-iam-gateway.ts';
import {
  createIamClients,
  type IamClientOptions,
  type IamHttpHooks,
} from './create-iam-clients.ts';
import type { IamGateway } from './iam-gateway.ts';

export interface ProviderConnection extends Omit<IamClientOptions, 'hooks'> {
  /** Changes when the provider's settings or credential change: the clients are then rebuilt. */
  cacheKey?: string;
  /** Frees what the connection holds besides the clients (e.g. an AssumeRole STS client). */
  dispose?: () => void;
  /** The access key id the provider's own credential signs with (none for the SDK's chain). */
  signingKeyId?: string | undefined;
}

export type ResolveProvider = (providerId: string) => Promise<ProviderConnection>;

export interface ProviderGateways {
  /** The gateway of the provider's connection now, with that connection. */
  gateway(providerId: string): Promise<{ gateway: IamGateway; connection: ProviderConnection }>;
  /** Closes every client's sockets. */
  close(): void;
}

/** Longer than any call: 3 SDK attempts of at most 15 s each, plus their backoff. */
const RETIRED_CLIENT_GRACE_MS = 60_000;

export function createProviderGateways(deps: {
  resolve: ResolveProvider;
  hooksFor: (providerId: string) => IamHttpHooks;
}): ProviderGateways {
  const cache = new Map<
    string,
    { cacheKey: string | undefined; gateway: IamGateway; destroy: () => void }
  >();
  return {
    async gateway(providerId) {
      const connection = await deps.resolve(providerId);
      const hit = cache.get(providerId);
      if (hit !== undefined && hit.cacheKey === connection.cacheKey) {
        return { gateway: hit.gateway, connection };
      }
      if (hit !== undefined) {
        // Calls may still be in flight on the old clients: destroying their sockets now would
        // make the SDK send them again (a second CreateAccessKey). Let them finish first.
        setTimeout(hit.destroy, RETIRED_CLIENT_GRACE_MS).unref();
      }
      const clients = createIamClients({ ...connection, hooks: deps.hooksFor(providerId) });
      const entry = {
        cacheKey: connection.cacheKey,
        gateway: createAwsIamGateway(clients),
        destroy: () => {
          clients.iam.destroy();
          clients.iamOnce.destroy();
          clients.sts.destroy();
          connection.dispose?.();
        },
      };
      cache.set(providerId, entry);
      return { gateway: entry.gateway, connection };
    },
    close() {
      for (const entry of cache.values()) {
        entry.destroy();
      }
      cache.clear();
    },
  };
}
