/**
 * What every HTTP request to a provider's IAM passes through (SDK retries included): the
 * request waits for its slot in the provider's rate budget, and the call is counted by action
 * and outcome. A throttling answer is not retried by
 * the SDK while the job holds a worker slot: the engine delays that job (settle-failure.ts).
 */
import type { IamHttpHooks } from '../iam/create-iam-clients.ts';
import { type EngineMetrics, iamOutcomeOf } from '../metrics/engine-metrics.ts';
import type { RateBudget } from '../queue/rate-budget.ts';

export function createIamHooks(deps: {
  providerId: string;
  budget: RateBudget;
  metrics: EngineMetrics;
}): IamHttpHooks {
  const provider = deps.providerId;
  return {
    retryThrottling: false,
    async beforeRequest() {
      const waitedMs = await deps.budget.acquire(provider);
      deps.metrics.budgetWait.observe({ provider }, waitedMs / 1000);
    },
    afterResponse({ service, action, status, ms }) {
      deps.metrics.iamCalls.inc({ provider, service, action, outcome: iamOutcomeOf(status) });
      deps.metrics.iamCallDuration.observe({ service, action }, ms / 1000);
    },
  };
}
