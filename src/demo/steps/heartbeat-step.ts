/**
 * Heartbeats of every imported account (all in sync), then one access key deactivated behind
 * iam-pam's back, in the sandbox, and its next heartbeat seeing it.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import { heartbeat } from '../../jobs/heartbeat/contract.ts';
import { setAccessKeyStatus } from '../behind-the-back.ts';
import { completedResult, type DemoStep, seconds } from '../demo-step.ts';
import type { DemoEnvironment } from '../demo-environment.ts';

interface HeartbeatResult {
  account: string;
  verdict: string;
  detail: string;
}

async function beat(demo: DemoEnvironment, ref: AccountRef) {
  const ran = await demo.runJob(heartbeat, ref);
  return { ...completedResult<HeartbeatResult>('heartbeat', ran), ms: ran.ms };
}

export const heartbeatStep: DemoStep = {
  name: 'heartbeat',
  title: 'check every account against IAM, then one made out of sync behind its back',
  async run({ demo, scenario, report }) {
    const results = await Promise.all(scenario.accounts.map((ref) => beat(demo, ref)));
    for (const result of results) {
      report(`heartbeat ${result.account} → ${result.verdict} (${seconds(result.ms)})`);
    }
    const notInSync = results.filter((r) => r.verdict !== 'in_sync');
    if (notInSync.length > 0) {
      throw new Error(`expected in_sync, got ${notInSync.map((r) => r.verdict).join(', ')}`);
    }
    const target = scenario.accounts.find((ref) => ref.kind === 'access-key');
    const record = target && (await demo.domain.accounts.require(target));
    if (target === undefined || record?.currentAccessKeyId === undefined) {
      throw new Error('no imported access key to put out of sync');
    }
    setAccessKeyStatus(demo.sandbox, target.userName, record.currentAccessKeyId, 'Inactive');
    scenario.outOfSync = target;
    report(
      `behind iam-pam's back: ${target.userName}'s key ${record.currentAccessKeyId} set Inactive in the sandbox (UpdateAccessKey as its administrator)`,
    );
    const after = await beat(demo, target);
    const status = (await demo.domain.accounts.require(target)).status;
    report(`heartbeat ${after.account} → ${after.verdict}: ${after.detail} (${seconds(after.ms)})`);
    report(`account ${after.account} is now ${status}`);
    if (after.verdict !== 'key_inactive') {
      throw new Error(`expected key_inactive, got ${after.verdict}`);
    }
  },
};
