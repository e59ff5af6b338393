/** A JobContext for handler unit tests: events and progress are recorded, the log is silent. */
import { NO_FAILPOINTS } from '../../../src/failpoints.ts';
import type { IamGateway } from '../../../src/iam/iam-gateway.ts';
import type { EventInput } from '../../../src/jobs/events.ts';
import type { JobContext, JobProgress } from '../../../src/jobs/define-job.ts';
import { createLogger } from '../../../src/logger.ts';

export function createFakeContext(overrides: Partial<JobContext> = {}) {
  const events: EventInput[] = [];
  const progress: JobProgress[] = [];
  const ctx: JobContext = {
    log: createLogger({ level: 'silent', stream: 'stderr' }),
    signal: new AbortController().signal,
    queue: 'heartbeat',
    jobId: '1',
    attempt: 1,
    lease: undefined,
    scope: {
      iam: new Proxy({} as IamGateway, {
        get: () => () => Promise.reject(new Error('scope.iam is not expected in this test')),
      }),
      verifier: { verify: () => Promise.reject(new Error('no verifier in this test')) },
      fence: undefined,
      actor: 'job:test/1',
      failpoints: NO_FAILPOINTS,
      settleLeftovers: async () => 0,
    },
    progress: async (p) => {
      progress.push(p);
    },
    enqueue: async () => {
      throw new Error('enqueue is not expected in this test');
    },
    emit: async (event) => {
      events.push(event);
      return `${events.length}-0`;
    },
    attachState: () => undefined,
    ...overrides,
  };
  return { ctx, events, progress };
}
