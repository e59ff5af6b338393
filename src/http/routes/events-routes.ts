/** `GET /v1/events?after={id}&limit={n}`: lifecycle events, oldest first. */
import type { HttpRoutePlugin } from '../http-deps.ts';

export const eventsRoutes: HttpRoutePlugin = async (app, deps) => {
  app.get<{ Querystring: { after?: string; limit: number } }>(
    '/v1/events',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Lifecycle events after the given id (exclusive), oldest first',
        querystring: {
          type: 'object',
          properties: {
            after: { type: 'string', pattern: '^\\d+(-\\d+)?$' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => deps.events.read({ after: request.query.after, limit: request.query.limit }),
  );
};
