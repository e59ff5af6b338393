/** A JobContext for handler unit tests: events and progress are recorded, the log is silent. */
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
