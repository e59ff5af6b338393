/**
 * Dead-letter entry ids: `<queue>-<jobId>` for a job's failure, and
 * `<queue>-<jobId>-<finishedOn>` for a later failure of the same job (retried by hand) while
 * the entry of an earlier one is still there. Any other string names no entry and never
 * reaches BullMQ: it could address another queue.
 */
import { PermanentError } from '../errors.ts';
import { quoteInput } from '../identifiers.ts';
import { WORK_QUEUES } from '../jobs/queues.ts';
import { JOB_ID_CHARACTER, MAX_JOB_ID_LENGTH } from '../queue/job-id.ts';

// The job id part is a job id (`isJobId`), perhaps with `-<finishedOn>` (a time in ms).
const ENTRY_ID = new RegExp(
  `^(?:${WORK_QUEUES.join('|')})-${JOB_ID_CHARACTER}{1,${MAX_JOB_ID_LENGTH + 21}}$`,
  'u',
);

export function firstEntryId(queue: string, jobId: string): string {
  return `${queue}-${jobId}`;
}

export function laterEntryId(queue: string, jobId: string, finishedOn: number): string {
  return `${firstEntryId(queue, jobId)}-${finishedOn}`;
}

export function entryNotFound(id: string): PermanentError {
  return new PermanentError('not_found', `dead-letter entry ${quoteInput(id)} does not exist`);
}

/** Refuses (not_found) a string that cannot be an entry id, before anything is read. */
export function assertEntryId(id: string): void {
  if (!ENTRY_ID.test(id)) {
    throw new PermanentError(
      'not_found',
      `no dead-letter entry is named ${quoteInput(id)}: entry ids look like validate-42 (or validate-42-<failure time in ms>), the failed job's queue and id`,
    );
  }
}
