/**
 * The package entry for upstream systems: the typed producer, the job contracts and their
 * JSON Schemas, queue names, event types and the error classes.
 */
export { ERROR_CODES, PermanentError, TransientError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { defineJob } from './jobs/define-job.ts';
export type {
  EnqueuedJob,
  EnqueueJob,
  EnqueueOptions,
  JobContext,
  JobContract,
  JobHandler,
  JobResult,
  RetryPolicy,
} from './jobs/define-job.ts';
export { EVENT_TYPES } from './jobs/events.ts';
export type { EventType, LifecycleEvent } from './jobs/events.ts';
export { DEAD_LETTER_QUEUE, QUEUE_NAMES, WORK_QUEUES } from './jobs/queues.ts';
export type { QueueName, WorkQueueName } from './jobs/queues.ts';
export { jobContracts } from './jobs/registry.ts';
export { createEnqueue } from './producers/create-enqueue.ts';
export { createProducer } from './producers/create-producer.ts';
export type { Producer, ProducerOptions } from './producers/create-producer.ts';
export { createQueues } from './producers/create-queues.ts';
export { jobSchemas, payloadJsonSchema } from './producers/job-schemas.ts';
export type { JobSchema } from './producers/job-schemas.ts';
export type { JobStatus } from './producers/job-status.ts';
