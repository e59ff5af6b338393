/**
 * The SDK's standard retry strategy, minus the retries that cannot help: the SDK treats
 * `LimitExceeded` (a quota, e.g. two keys per user) as throttling and would send it three
 * times, and it retries an HTML 500 from an emulator that lacks the action.
 */
import { StandardRetryStrategy } from '@smithy/core/retry';
import type {
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';

const NEVER_RETRY = new Set(['LimitExceededException', 'LimitExceeded']);

export function isNeverRetried(error: { name?: string; message?: string } | undefined): boolean {
  if (error === undefined) {
    return false;
  }
  return (
    NEVER_RETRY.has(error.name ?? '') ||
    /XML parse error|Deserialization error/.test(error.message ?? '')
  );
}

/**
 * `retryThrottling: false` hands a throttling answer straight back: the job engine then delays
 * that one job and backs off the provider's budget in every process, instead of the SDK
 * sleeping on it while the job holds a worker slot.
 */
export function createIamRetryStrategy(
  maxAttempts = 3,
  options: { retryThrottling?: boolean } = {},
): RetryStrategyV2 & { mode: string } {
  const standard = new StandardRetryStrategy(maxAttempts);
  const retryThrottling = options.retryThrottling ?? true;
  return {
    mode: 'standard',
    acquireInitialRetryToken: (scope: string) => standard.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token: RetryToken, info: RetryErrorInfo) => {
      if (isNeverRetried(info.error) || (!retryThrottling && info.errorType === 'THROTTLING')) {
        return Promise.reject(info.error instanceof Error ? info.error : new Error('not retried'));
      }
      return standard.refreshRetryTokenForRetry(token as StandardRetryToken, info);
    },
    recordSuccess: (token: RetryToken) => standard.recordSuccess(token as StandardRetryToken),
  };
}
