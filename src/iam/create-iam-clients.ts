/**
 * Builds the IAM and STS clients of one principal. Every HTTP request the SDK sends — its own
 * retries included — passes through `hooks`, which is where the rate budget and the call
 * metrics sit; the SDK is told never to retry what cannot succeed (retry-strategy.ts).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HttpHandlerOptions,
} from '@smithy/types';
import type { HttpRequest, HttpResponse } from '@smithy/types';

import { IAM_PAM_USER_AGENT } from '../process-identity.ts';
import { createIamRetryStrategy } from './retry-strategy.ts';

export interface HttpCallInfo {
  service: 'iam' | 'sts';
  /** The wire action name, read from the request body. */
  action: string;
  /** The request's deadline: it is abandoned if IAM has not answered this many ms after it is sent. */
  timeoutMs: number;
}

/** The IAM clients' per-request timeout unless the caller or its hooks set one. */
export const DEFAULT_IAM_REQUEST_TIMEOUT_MS = 15_000;

export interface IamHttpHooks {
  /** Awaited before each HTTP request is sent (e.g. to take a token from the rate budget). */
  beforeRequest?(info: HttpCallInfo): Promise<void>;
  /** Called after each HTTP exchange, with the status or the network error. */
  afterResponse?(
    info: HttpCallInfo & { status: number | undefined; error: unknown; ms: number },
  ): void;
  /**
   * False when the caller handles throttling itself (the job engine delays that one job and
   * backs off the provider's budget), so the SDK hands a throttling answer straight back.
   */
  retryThrottling?: boolean;
  /** The per-request timeout these hooks need (e.g. one a job's lease can cover); default 15 s. */
  requestTimeoutMs?: number;
}

export interface IamClientOptions {
  region: string;
  iamEndpoint?: string | undefined;
  stsEndpoint?: string | undefined;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** SDK attempts per call (1 + retries); default 3. */
  maxAttempts?: number;
  /** Whether the SDK retries a throttling answer itself; default true (the job engine says false). */
  retryThrottling?: boolean;
  /** Per HTTP request, from sending it to IAM's answer (a hard deadline); default the hooks', else 15 s. */
  requestTimeoutMs?: number;
  hooks?: IamHttpHooks;
}

function actionOf(request: { body?: unknown }): string {
  const body = typeof request.body === 'string' ? request.body : '';
  return /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1] ?? 'Unknown';
}

type Handle = (
  request: HttpRequest,
  options?: HttpHandlerOptions,
) => Promise<{ response: HttpResponse }>;

/** A NodeHttpHandler that runs the hooks around every request it sends. */
export function createHookedHandler(
  service: 'iam' | 'sts',
  options: IamClientOptions,
): NodeHttpHandler {
  const timeoutMs =
    options.requestTimeoutMs ?? options.hooks?.requestTimeoutMs ?? DEFAULT_IAM_REQUEST_TIMEOUT_MS;
  const handler = new NodeHttpHandler({
    requestTimeout: timeoutMs,
    // Without it the SDK only warns: the timeout is a deadline the lease checks rely on.
    throwOnRequestTimeout: true,
    connectionTimeout: Math.min(5_000, timeoutMs),
  });
  const hooks = options.hooks;
  if (hooks === undefined) {
    return handler;
  }
  const inner = handler.handle.bind(handler) as Handle;
  const hooked: Handle = async (request, handleOptions) => {
    const info = { service, action: actionOf(request), timeoutMs };
    await hooks.beforeRequest?.(info);
    const started = performance.now();
    try {
      const result = await inner(request, handleOptions);
      hooks.afterResponse?.({
        ...info,
        status: result.response.statusCode,
        error: undefined,
        ms: performance.now() - started,
      });
      return result;
    } catch (error) {
      hooks.afterResponse?.({ ...info, status: undefined, error, ms: performance.now() - started });
      throw error;
    }
  };
  handler.handle = hooked;
  return handler;
}

export function createIamClients(options: IamClientOptions): {
  iam: IAMClient;
  /** One attempt per call: for CreateAccessKey, which the SDK must never send twice. */
  iamOnce: IAMClient;
  sts: STSClient;
} {
  const common = {
    region: options.region,
    credentials: options.credentials,
    // Resolves each command's middleware stack once per client, not on every call: at a
    // discovery's 500 calls/s that rebuilding was a quarter of what the worker allocated. The
    // one middleware added later (clock-skew.ts) is added before the first call.
    cacheMiddleware: true,
    // Names this process to IAM (CloudTrail's userAgent, the sandbox's request log).
    customUserAgent: IAM_PAM_USER_AGENT,
    retryStrategy: createIamRetryStrategy(options.maxAttempts ?? 3, {
      retryThrottling: options.retryThrottling ?? options.hooks?.retryThrottling,
    }),
  };
  return {
    iam: new IAMClient({
      ...common,
      endpoint: options.iamEndpoint,
      requestHandler: createHookedHandler('iam', options),
    }),
    iamOnce: new IAMClient({
      ...common,
      retryStrategy: createIamRetryStrategy(1),
      endpoint: options.iamEndpoint,
      requestHandler: createHookedHandler('iam', options),
    }),
    sts: new STSClient({
      ...common,
      endpoint: options.stsEndpoint,
      requestHandler: createHookedHandler('sts', options),
    }),
  };
}
