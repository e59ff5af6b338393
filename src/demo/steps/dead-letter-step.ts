/**
 * A permanent failure landing in the dead-letter: the provider's own key is deactivated behind
 * iam-pam's back, so a heartbeat's IAM read is refused (InvalidClientTokenId): waiting cannot
 * help, so the job fails at once, without retries, into the dead-letter. The key is then set
 * Active again, so the entry can be replayed.
 */
import { heartbeat } from '../../jobs/heartbeat/contract.ts';
import type { DeadLetterEntry } from '../../dead-letter/dead-letter-entry.ts';
import { sleep } from '../../sleep.ts';
import { setAccessKeyStatus } from '../behind-the-back.ts';
import { type DemoStep, seconds } from '../demo-step.ts';
import type { DemoEnvironment } from '../demo-environment.ts';

/** The worker copies a failed job to the dead-letter right after it fails. */
async function entryOf(demo: DemoEnvironment, id: string): Promise<DeadLetterEntry> {
  for (let waited = 0; ; waited += 100) {
    const entry = (await demo.deadLetter.list()).find((e) => e.id === id);
    if (entry !== undefined) {
      return entry;
    }
    if (waited > 15_000) {
      throw new Error(`no dead-letter entry ${id} within 15 s`);
    }
    await sleep(100);
  }
}

export const deadLetterStep: DemoStep = {
  name: 'dead-letter',
  title: "a permanent failure: the provider's own key deactivated behind iam-pam's back",
  async run({ demo, scenario, report }) {
    const principal = scenario.principal;
    const target = scenario.accounts.find((ref) => ref.kind === 'password');
    if (principal === undefined || target === undefined) {
      throw new Error('needs the provider and the password account of the earlier steps');
    }
    setAccessKeyStatus(demo.sandbox, principal.userName, principal.accessKeyId, 'Inactive');
    report(
      `behind iam-pam's back: the provider's key ${principal.accessKeyId} (${principal.userName}) set Inactive in the sandbox`,
    );
    const ran = await demo.runJob(heartbeat, target);
    const { status } = ran;
    if (status.state !== 'failed') {
      throw new Error(`expected the heartbeat to fail, it ${status.state}`);
    }
    report(
      `heartbeat ${target.provider}/${target.userName}/${target.kind} → failed after ${status.attemptsMade} attempt(s), no retry: ${status.reason ?? '?'} (${seconds(ran.ms)})`,
    );
    const entry = await entryOf(demo, `${status.queue}-${ran.jobId}`);
    report(`dead-letter entry ${entry.id}: reason ${entry.reason}; ${entry.failedReason}`);
    setAccessKeyStatus(demo.sandbox, principal.userName, principal.accessKeyId, 'Active');
    report(
      `the provider's key set Active again: iam-pam dlq replay ${entry.id} runs the heartbeat anew`,
    );
    if (status.attemptsMade > 1) {
      throw new Error('a permanent failure was retried');
    }
  },
};
