/**
 * A worker killed mid-rotation and the rotation finished by another: the running workers are
 * stopped, one is started with the failpoint `rotation:after-create` armed (it SIGKILLs itself
 * right after the new key's create is journaled, as a crash would), the rotation is enqueued,
 * and once that worker holds it a new one is started, which takes the job over when the dead
 * worker's lock runs out. The journal says where the dead worker stopped; the sandbox says the new key was created once
 * and no extra key is left.
 */
import { rotate } from '../../jobs/rotate/contract.ts';
import { sleep } from '../../sleep.ts';
import { completedResult, type DemoStep, seconds } from '../demo-step.ts';
import {
  describeCalls,
  describeKeys,
  describeSandboxKeys,
  describeSteps,
  type RotationResult,
  userCalls,
} from './rotation-report.ts';

const FAILPOINT = 'rotation:after-create';

/** Waits (at most 30 s) until the job is active: some worker holds it. */
async function untilActive(
  queue: { getJobState(jobId: string): Promise<string> },
  jobId: string,
): Promise<void> {
  const until = performance.now() + 30_000;
  while ((await queue.getJobState(jobId)) !== 'active') {
    if (performance.now() > until) {
      throw new Error(`rotation job ${jobId} was not taken by the armed worker within 30 s`);
    }
    await sleep(50);
  }
}
/** The armed worker dies right after `create`; should it not, the step fails. */
const ARMED_DEATH_TIMEOUT_MS = 60_000;

export const rotationTakeoverStep: DemoStep = {
  name: 'killed-rotation',
  title: 'kill a worker mid-rotation, and see another worker finish the rotation',
  async run({ demo, scenario, report }) {
    const { sandbox, domain } = demo;
    const ref = scenario.accounts.find((account) => account.kind === 'access-key');
    if (ref === undefined) {
      throw new Error('no imported access key to rotate');
    }
    // Only the armed worker may take the job.
    const stopping = performance.now();
    const running = demo.workers.filter((worker) => worker.isRunning());
    await Promise.all(running.map((worker) => worker.stop(10_000)));
    const armed = demo.startWorker({ IAM_PAM_FAILPOINTS: FAILPOINT });
    await armed.ready;
    report(
      `${running.map((worker) => worker.name).join(', ')} stopped, ${armed.name} (pid ${armed.pid}) started with IAM_PAM_FAILPOINTS=${FAILPOINT}: ready in ${seconds(performance.now() - stopping)}`,
    );
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    const began = performance.now();
    const job = await demo.services.enqueue(rotate, { ...ref, reason: 'manual' });
    // Started once the armed worker holds the job, so it cannot take it first; its start
    // overlaps the wait for the dead worker's lock.
    await untilActive(demo.services.queues.get(job.queue), job.jobId);
    const successor = demo.startWorker();
    const died = await Promise.race([armed.exited, sleep(ARMED_DEATH_TIMEOUT_MS)]);
    if (died === undefined) {
      throw new Error(
        `${armed.name} did not reach ${FAILPOINT} within ${seconds(ARMED_DEATH_TIMEOUT_MS)}`,
      );
    }
    const journal = await domain.journals.read(ref);
    report(
      `rotate ${ref.provider}/${ref.userName}/${ref.kind} (${job.queue}/${job.jobId}) on ${armed.name}: it SIGKILLed itself ${seconds(performance.now() - began)} later, the journal at step ${journal?.step ?? '(none)'}`,
    );
    if (died.signal !== 'SIGKILL' || journal?.step !== 'create') {
      throw new Error(`expected ${armed.name} SIGKILLed with the journal at create`);
    }
    const killed = performance.now();
    await successor.ready;
    report(
      `${successor.name} (pid ${successor.pid}), started with the job: ready ${seconds(performance.now() - killed)} after the kill`,
    );
    const status = await demo.waitFor(job, 90_000);
    const result = completedResult<RotationResult>('the rotation', {
      jobId: job.jobId,
      status,
      ms: 0,
    });
    const resumed = result.steps.slice(result.steps.findIndex((s) => s.step === 'create') + 1);
    report(
      `${successor.name} took the rotation over when its lock ran out and finished it ${seconds(performance.now() - killed)} after the kill: ${describeKeys(result)}`,
    );
    const resumedLog = successor
      .lastLines()
      .some((line) => line.includes('"msg":"rotation resumed"'));
    report(
      `  ${resumedLog ? 'it logged "rotation resumed" and ran' : 'it ran'} the steps after the journaled create: ${describeSteps({ ...result, steps: resumed })}`,
    );
    const calls = userCalls(sandbox, ref.userName, since);
    report(`  IAM calls (both workers): ${describeCalls(calls)}`);
    report(`  keys in the sandbox: ${describeSandboxKeys(sandbox, ref)}`);
    const keys = sandbox.user(ref.userName)?.accessKeys ?? [];
    const record = await domain.accounts.require(ref);
    if (
      calls.filter((call) => call.action === 'CreateAccessKey').length !== 1 ||
      keys.length !== 1 ||
      keys[0]?.status !== 'Active' ||
      keys[0].accessKeyId !== record.currentAccessKeyId ||
      !resumedLog
    ) {
      throw new Error('expected one CreateAccessKey and one managed Active key left');
    }
  },
};
