/**
 * What every HTTP request to a provider's IAM passes through (SDK retries included): the
 * request waits for its slot in the provider's rate budget, and the call is counted by action
 * and outcome. A throttling answer is not retried by
 * the SDK while the job holds a worker slot: the engine delays that job (settle-failure.ts).
 *
 * Last, right before a mutation goes on the wire, the run it belongs to (run-context.ts) must
 * still be going, and its user lease must have more time left than the request's own timeout:
 * so no mutation of a user can be in flight once the lease may have passed to another worker
 * (DESIGN.md invariant 5). Each worker's requests time out within what a lease can cover.
 */
import type { IamHttpHooks } from '../iam/create-iam-clients.ts';
import { isIamMutation } from '../iam/iam-actions.ts';
import { type EngineMetrics, iamOutcomeOf } from '../metrics/engine-metrics.ts';
import type { RateBudget } from '../queue/rate-budget.ts';
import { currentRun } from './run-context.ts';

export function createIamHooks(deps: {
  providerId: string;
  budget: RateBudget;
  metrics: EngineMetrics;
  /** Per request (leaseTiming(...).iamRequestTimeoutMs): a lease must be able to cover it. */
  requestTimeoutMs: number;
}): IamHttpHooks {
  const provider = deps.providerId;
  return {
    retryThrottling: false,
    requestTimeoutMs: deps.requestTimeoutMs,
    async beforeRequest({ service, action, timeoutMs }) {
      const waitedMs = await deps.budget.acquire(provider);
      deps.metrics.budgetWait.observe({ provider }, waitedMs / 1000);
      const run = currentRun();
      if (run !== undefined && isIamMutation(service, action)) {
        run.signal.throwIfAborted();
        run.lease?.assertTimeLeft(timeoutMs);
      }
    },
    afterResponse({ service, action, status, ms }) {
      deps.metrics.iamCalls.inc({ provider, service, action, outcome: iamOutcomeOf(status) });
      deps.metrics.iamCallDuration.observe({ service, action }, ms / 1000);
    },
  };
}
