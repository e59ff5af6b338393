/**
 * The JSON Schema (draft-7, which fastify and most tools accept) of every job's payload, for
 * `/v1/jobs/schemas`, the OpenAPI document and upstream systems that enqueue with BullMQ.
 */
import { z } from 'zod';

import type { JobContract, RetryPolicy } from '../jobs/define-job.ts';
import type { WorkQueueName } from '../jobs/queues.ts';

export interface JobSchema {
  name: string;
  queue: WorkQueueName;
  description: string;
  retry: RetryPolicy;
  timeoutMs: number;
  payload: Record<string, unknown>;
}

export function payloadJsonSchema(contract: JobContract): Record<string, unknown> {
  return z.toJSONSchema(contract.payload, { target: 'draft-7', io: 'input' });
}

export function jobSchemas(contracts: readonly JobContract[]): JobSchema[] {
  return contracts.map((contract) => ({
    name: contract.name,
    queue: contract.queue,
    description: contract.description,
    retry: contract.retry,
    timeoutMs: contract.timeoutMs,
    payload: payloadJsonSchema(contract),
  }));
}
