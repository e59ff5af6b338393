/** `GET /v1/jobs/schemas` and `GET /v1/jobs/{queue}/{jobId}`. */
import { assertEntryId } from '../../dead-letter/dead-letter-id.ts';
import { PermanentError } from '../../errors.ts';
import { quoteInput } from '../../identifiers.ts';
import { DEAD_LETTER_QUEUE, isQueueName, QUEUE_NAMES, type QueueName } from '../../jobs/queues.ts';
import { jobSchemas } from '../../producers/job-schemas.ts';
import { getJobStatus } from '../../producers/job-status.ts';
import { isJobId } from '../../queue/job-id.ts';
import type { HttpRoutePlugin } from '../http-deps.ts';

/** Refuses, before any Redis call, a queue or a job id that cannot name a job. */
function assertJobAddress(queue: string, jobId: string): asserts queue is QueueName {
  if (!isQueueName(queue)) {
    throw new PermanentError(
      'not_found',
      `no queue ${quoteInput(queue)}: the queues are ${QUEUE_NAMES.join(', ')}`,
    );
  }
  if (queue === DEAD_LETTER_QUEUE) {
    assertEntryId(jobId);
  } else if (!isJobId(jobId)) {
    throw new PermanentError(
      'not_found',
      `no job ${quoteInput(jobId)} on queue ${queue}: job ids are numbers (e.g. 42), or ids of up to 100 printable characters an upstream system chose`,
    );
  }
}

export const jobsRoutes: HttpRoutePlugin = async (app, deps) => {
  app.get(
    '/v1/jobs/schemas',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['jobs'],
        summary: "Every job type: queue, retry policy, deadline and its payload's JSON Schema",
      },
    },
    async () => jobSchemas(deps.contracts),
  );

  app.get<{ Params: { queue: string; jobId: string } }>(
    '/v1/jobs/:queue/:jobId',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['jobs'],
        summary: 'State, progress, result and, for a failed job, its reason',
        params: {
          type: 'object',
          properties: {
            queue: { type: 'string', description: QUEUE_NAMES.join(', ') },
            jobId: {
              type: 'string',
              description:
                'a number; on dead-letter, an entry id: <queue>-<jobId>[-<failure time in ms>] (e.g. validate-42)',
            },
          },
          required: ['queue', 'jobId'],
        },
      },
    },
    async (request) => {
      const { queue, jobId } = request.params;
      assertJobAddress(queue, jobId);
      const status = await getJobStatus(deps.queues, queue, jobId, deps.contracts);
      if (status === undefined) {
        throw new PermanentError('not_found', `job ${queue}/${jobId} does not exist (any more)`);
      }
      return status;
    },
  );
};
