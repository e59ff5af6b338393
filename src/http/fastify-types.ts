/** What our routes add to fastify's types: the scope a route needs and the caller it found. */
// Brings @fastify/swagger's schema fields (tags, summary, …) into FastifySchema.
import type {} from '@fastify/swagger';

import type { ApiScope } from '../config/api-tokens.ts';
import type { Principal } from './auth.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a `/v1` route needs; `admin` when absent (closed by default). */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export {};
