/** `GET /v1/jobs/schemas` and `GET /v1/jobs/{queue}/{jobId}`. */
import { PermanentError } from '../../errors.ts';
import { QUEUE_NAMES } from '../../jobs/queues.ts';
import { jobSchemas } from '../../producers/job-schemas.ts';
import { getJobStatus } from '../../producers/job-status.ts';
import type { HttpRoutePlugin } from '../http-deps.ts';

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
            jobId: { type: 'string' },
          },
          required: ['queue', 'jobId'],
        },
      },
    },
    async (request) => {
      const { queue, jobId } = request.params;
      const status = await getJobStatus(deps.queues, queue, jobId);
      if (status === undefined) {
        throw new PermanentError('not_found', `job ${queue}/${jobId} does not exist (any more)`);
      }
      return status;
    },
  );
};
