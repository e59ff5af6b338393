/** The audit actor of an HTTP request: the name of the token that made it. */
import type { FastifyRequest } from 'fastify';

import '../fastify-types.ts';

export function actorOf(request: FastifyRequest): string {
  return `token:${request.principal?.name ?? 'unknown'}`;
}
