/**
 * Admits a job to run: the handler bound to its name, and its payload validated again (old or
 * foreign jobs may not match today's schema). A job refused here fails at once, without
 * retries, and keeps no secret it was sent.
 */
import type { Job } from 'bullmq';

import { PermanentError } from '../errors.ts';
import { parsePayload } from '../jobs/parse-payload.ts';
import { scrubSecrets } from '../logger.ts';
import type { JobBinding } from './bind-handlers.ts';

export async function admitJob(
  job: Job,
  binding: JobBinding | undefined,
  queue: string,
): Promise<JobBinding & { payload: unknown }> {
  try {
    if (binding === undefined) {
      throw new PermanentError(
        'unknown_job',
        `no job "${job.name}" is bound to queue ${queue} here: it was added to the wrong queue, or this worker is older than its producer`,
      );
    }
    return { ...binding, payload: parsePayload(binding.contract, job.data) };
  } catch (err) {
    // An upstream system adding jobs with BullMQ directly may send anything, and the failed set
    // keeps a job's data for weeks: the job keeps the scrubbed copy its dead-letter entry holds.
    const scrubbed = scrubSecrets(job.data);
    if (JSON.stringify(scrubbed) !== JSON.stringify(job.data)) {
      await job.updateData(scrubbed);
    }
    throw err;
  }
}
