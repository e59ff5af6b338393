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

export function createIamRetryStrategy(maxAttempts = 3): RetryStrategyV2 & { mode: string } {
  const standard = new StandardRetryStrategy(maxAttempts);
  return {
    mode: 'standard',
    acquireInitialRetryToken: (scope: string) => standard.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token: RetryToken, info: RetryErrorInfo) => {
      if (isNeverRetried(info.error)) {
        return Promise.reject(info.error instanceof Error ? info.error : new Error('not retried'));
      }
      return standard.refreshRetryTokenForRetry(token as StandardRetryToken, info);
    },
    recordSuccess: (token: RetryToken) => standard.recordSuccess(token as StandardRetryToken),
  };
}
