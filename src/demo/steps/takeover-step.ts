/**
 * A worker killed mid-job and the job finished by another, on a discovery (a rotation's: the
 * killed-rotation step): once the only worker has listed the keys of a third of the users, the sandbox
 * holds its next ListAccessKeys answer, the worker is SIGKILLed, and a new worker takes the
 * job over when its lock runs out, resuming where the first stopped. The sandbox's request
 * log says what each fetched.
 */
import { discover } from '../../jobs/discover/contract.ts';
import type { RequestLogEntry } from '../../sandbox/admin/request-log.ts';
import { sleep } from '../../sleep.ts';
import { type DemoStep, seconds } from '../demo-step.ts';
import { type DiscoveryResult, describeDiff, describeFound } from './discovery-result.ts';

const keyListings = (entries: RequestLogEntry[]) =>
  new Set(
    entries
      .filter((r) => r.action === 'ListAccessKeys' && r.status === 200)
      .map((r) => r.params.UserName ?? ''),
  );

export const takeoverStep: DemoStep = {
  name: 'takeover',
  title: 'discover again, SIGKILL its worker halfway, and see another worker finish the job',
  async run({ demo, scenario, report }) {
    const { sandbox } = demo;
    const victim = demo.workers.find((worker) => worker.isRunning());
    if (victim === undefined) {
      throw new Error('no worker is running');
    }
    const since = sandbox.requests().at(-1)?.seq ?? 0;
    const job = await demo.services.enqueue(discover, { provider: scenario.provider });
    const threshold = Math.floor(sandbox.seededUsers.length / 3);
    for (let waited = 0; keyListings(sandbox.requests(since)).size < threshold; waited += 10) {
      if (waited > 30_000) {
        throw new Error(`${victim.name} did not list ${threshold} users' keys within 30 s`);
      }
      await sleep(10);
    }
    // Hold the next answer: the worker dies with a read in flight, as a crash would leave it.
    sandbox.faults.set({
      ...sandbox.faults.get(),
      holdAfter: [{ action: 'ListAccessKeys', times: 1 }],
    });
    const held = await sandbox.waitForRequest((r) => r.held === true, { since });
    await victim.kill();
    const killedAt = sandbox.requests().at(-1)?.seq ?? 0;
    const before = keyListings(sandbox.requests(since).filter((r) => r.seq <= killedAt));
    sandbox.release(held.seq);
    report(
      `discover ${scenario.provider} (job ${job.queue}/${job.jobId}) on ${victim.name}; it was SIGKILLed (pid ${victim.pid}) after listing the keys of ${before.size} users, with a ListAccessKeys answer held`,
    );
    const killed = performance.now();
    const successor = demo.startWorker();
    await successor.ready;
    report(
      `${successor.name} (pid ${successor.pid}) started: ready ${seconds(performance.now() - killed)} after the kill`,
    );
    const status = await demo.waitFor(job, 90_000);
    if (status.state !== 'completed') {
      throw new Error(`the discovery ${status.state}: ${status.failedReason ?? ''}`);
    }
    const result = status.result as DiscoveryResult;
    const after = keyListings(sandbox.requests(killedAt));
    const again = [...after].filter((user) => before.has(user)).length;
    report(
      `${successor.name} took the job over when its lock ran out and finished it ${seconds(performance.now() - killed)} after the kill: ${describeFound(result)}`,
    );
    report(
      `it listed the keys of ${after.size} users, ${again} of them again (reads the killed worker had in flight); diff against the last discovery: ${describeDiff(result)}`,
    );
    if (result.partial || before.size + after.size - again !== result.users) {
      throw new Error(`expected ${result.users} users listed once between the two workers`);
    }
  },
};
