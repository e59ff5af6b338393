/** `GET /v1/dead-letter`, `POST /v1/dead-letter/{id}/replay`, `DELETE /v1/dead-letter/{id}`. */
import type { HttpRoutePlugin } from '../http-deps.ts';

// Entry ids are checked by the dead-letter itself (404 for one that cannot exist), for the CLI too.
const idParams = {
  type: 'object',
  properties: {
    id: { type: 'string', description: '`<queue>-<jobId>` or `<queue>-<jobId>-<failure ms>`' },
  },
  required: ['id'],
} as const;

export const deadLetterRoutes: HttpRoutePlugin = async (app, deps) => {
  app.get(
    '/v1/dead-letter',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['dead-letter'],
        summary: 'Entries: {id, queue, name, data, reason, at, …}, replayed ones included',
      },
    },
    async () => deps.deadLetter.list(),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/dead-letter/:id/replay',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['dead-letter'],
        summary: 'Add a new job to the original queue and mark the entry replayed',
        params: idParams,
      },
    },
    async (request, reply) =>
      reply.status(202).send(await deps.deadLetter.replay(request.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/dead-letter/:id',
    {
      config: { scope: 'admin' },
      schema: { tags: ['dead-letter'], summary: 'Delete an entry', params: idParams },
    },
    async (request, reply) => {
      await deps.deadLetter.remove(request.params.id);
      return reply.status(204).send();
    },
  );
};
