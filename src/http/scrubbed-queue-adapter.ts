/**
 * bull-board's view of one queue, with every text a job carries scrubbed of secret-named
 * fields before the dashboard shows it: data, result and progress through bull-board's
 * formatters, and the failure text, stack trace and job logs (which it has no formatter for)
 * here, and the templates of job schedulers (the data and options of the jobs they fire). Jobs
 * never carry secrets by contract; this is the second line behind that. Flow trees, which
 * bull-board reads around the adapter, are not offered.
 */
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { Job, Queue } from 'bullmq';

import { scrubSecrets } from '../logger.ts';
import { scrubFailureText } from '../queue/failure-reason.ts';

/** The job, whose JSON (all bull-board reads of it) has its failure texts scrubbed. */
function withScrubbedFailure(job: Job | undefined): Job | undefined {
  if (job === undefined) {
    return undefined;
  }
  const toJSON = job.toJSON.bind(job);
  job.toJSON = () => {
    const json = toJSON();
    return {
      ...json,
      failedReason: scrubFailureText(json.failedReason),
      stacktrace: json.stacktrace?.map((line) => scrubFailureText(line)) ?? null,
    };
  };
  return job;
}

export class ScrubbedQueueAdapter extends BullMQAdapter {
  constructor(queue: Queue, options: { readOnlyMode: boolean }) {
    super(queue, options);
    this.setFormatter('data', (data: unknown) => scrubSecrets(data));
    this.setFormatter('returnValue', (value: unknown) => scrubSecrets(value));
    this.setFormatter('progress', (progress: unknown) => scrubSecrets(progress));
  }

  override async getJob(id: string): Promise<Job | undefined> {
    return withScrubbedFailure(await super.getJob(id));
  }

  override async getJobs(
    statuses: Parameters<BullMQAdapter['getJobs']>[0],
    start?: number,
    end?: number,
  ): Promise<Job[]> {
    const jobs = await super.getJobs(statuses, start, end);
    return jobs.map((job) => withScrubbedFailure(job) ?? job);
  }

  /** Schedulers with their templates scrubbed, like the jobs they fire. */
  override async getJobSchedulers(): ReturnType<BullMQAdapter['getJobSchedulers']> {
    return (await super.getJobSchedulers()).map((scheduler) => ({
      ...scheduler,
      template:
        scheduler.template === undefined
          ? undefined
          : {
              ...scheduler.template,
              data: scrubSecrets(scheduler.template.data),
              opts: scrubSecrets(scheduler.template.opts) as typeof scheduler.template.opts,
            },
    }));
  }

  override async getJobLogs(id: string): Promise<string[]> {
    return (await super.getJobLogs(id)).map((line) => scrubFailureText(line));
  }

  /**
   * No flow trees: iam-pam runs no flows, and a tree is read around this adapter (its nodes
   * carry raw progress and children's failure texts). Without a producer, bull-board shows
   * every job as a flow of its own, so the job view works and shows nothing unscrubbed.
   */
  override async getFlowProducer(): Promise<null> {
    return null;
  }
}
