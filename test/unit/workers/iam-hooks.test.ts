/** The per-request IAM hook's guard: a run's mutation goes out only while its lease can cover the request. */
import { describe, expect, it } from 'vitest';

import { TransientError } from '../../../src/errors.ts';
import type { HttpCallInfo } from '../../../src/iam/create-iam-clients.ts';
import type { UserLease } from '../../../src/jobs/define-job.ts';
import { createEngineMetrics } from '../../../src/metrics/engine-metrics.ts';
import type { RateBudget } from '../../../src/queue/rate-budget.ts';
import { createIamHooks } from '../../../src/workers/iam-hooks.ts';
import { runInContext } from '../../../src/workers/run-context.ts';

const budget = { acquire: async () => 0 } as unknown as RateBudget;
const hooks = createIamHooks({
  providerId: 'prod',
  budget,
  metrics: createEngineMetrics({ deadLetterDepth: async () => 0 }),
  requestTimeoutMs: 1_000,
});
const send = (action: string, service: 'iam' | 'sts' = 'iam') =>
  hooks.beforeRequest?.({ service, action, timeoutMs: 1_000 } satisfies HttpCallInfo);

/** A lease with a fixed time left. */
function leaseWith(remainingMs: number): UserLease {
  return {
    user: { provider: 'prod', userName: 'alice' },
    fencingToken: 7,
    value: '7:abc',
    remainingMs: () => remainingMs,
    assertTimeLeft(needMs) {
      if (!(remainingMs > needMs)) {
        throw new TransientError('lease_lost', `${remainingMs} ms left, ${needMs} needed`);
      }
    },
    assertHeld: async () => undefined,
  };
}

function inRun<T>(
  lease: UserLease | undefined,
  fn: () => T,
  signal = new AbortController().signal,
) {
  return runInContext({ queue: 'rotation', jobId: '1', signal, lease }, fn);
}

describe('the IAM hook of a run', () => {
  it('lets a mutation go while the lease has more time left than the request may take', async () => {
    await expect(inRun(leaseWith(1_001), () => send('TagUser'))).resolves.toBeUndefined();
  });

  it('refuses a mutation the lease may not outlive, whatever its name', async () => {
    for (const action of [
      'CreateAccessKey',
      'UpdateLoginProfile',
      'DeleteAccessKey',
      'TagUser',
      'UntagUser',
      'PutUserPolicy',
      'AttachUserPolicy',
    ]) {
      await expect(inRun(leaseWith(1_000), () => send(action))).rejects.toMatchObject({
        code: 'lease_lost',
      });
    }
  });

  it('lets reads and STS through however little lease is left, and everything outside a run', async () => {
    for (const action of ['GetUser', 'ListAccessKeys', 'SimulatePrincipalPolicy']) {
      await expect(inRun(leaseWith(0), () => send(action))).resolves.toBeUndefined();
    }
    await expect(
      inRun(leaseWith(0), () => send('GetCallerIdentity', 'sts')),
    ).resolves.toBeUndefined();
    await expect(send('CreateAccessKey')).resolves.toBeUndefined();
  });

  it('refuses any mutation of a run that was aborted, with the reason it was aborted', async () => {
    const controller = new AbortController();
    const reason = new TransientError('deadline_exceeded', 'ran past its deadline');
    controller.abort(reason);
    await expect(inRun(leaseWith(60_000), () => send('TagUser'), controller.signal)).rejects.toBe(
      reason,
    );
    await expect(inRun(undefined, () => send('TagUser'), controller.signal)).rejects.toBe(reason);
  });
});
