/**
 * A rotation of each access-key account through the producer (`iam-pam rotate --wait`): the
 * old and new key ids, the journaled steps with their times, the IAM calls the sandbox saw;
 * then a heartbeat signed with the new secret, and the old key gone from the sandbox. The
 * password: its login profile updated, the vault version AWS now holds, the vault's password
 * checked against the sandbox's, and a heartbeat.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import { heartbeat } from '../../jobs/heartbeat/contract.ts';
import { rotate } from '../../jobs/rotate/contract.ts';
import { completedResult, type DemoStep, seconds } from '../demo-step.ts';
import type { DemoEnvironment } from '../demo-environment.ts';
import {
  checkPasswordHeld,
  describeCalls,
  describeKeys,
  describeSandboxKeys,
  describeSteps,
  type RotationResult,
  userCalls,
} from './rotation-report.ts';

async function rotateOne(
  demo: DemoEnvironment,
  ref: AccountRef,
  report: (line: string) => void,
): Promise<void> {
  const { sandbox } = demo;
  const since = sandbox.requests().at(-1)?.seq ?? 0;
  const ran = await demo.runJob(rotate, { ...ref, reason: 'manual' }, 120_000);
  const result = completedResult<RotationResult>('rotate', ran);
  report(
    `rotate ${result.account} (rotation/${ran.jobId}) → succeeded, ${describeKeys(result)} (${seconds(ran.ms)})`,
  );
  report(`  steps: ${describeSteps(result)}`);
  report(`  IAM calls: ${describeCalls(userCalls(sandbox, ref.userName, since))}`);
  const beat = completedResult<{ verdict: string }>('heartbeat', await demo.runJob(heartbeat, ref));
  if (beat.verdict !== 'in_sync') {
    throw new Error(`${result.account}: heartbeat after rotation ${beat.verdict}`);
  }
  if (ref.kind === 'password') {
    report(`  ${await checkPasswordHeld(demo, ref)}; heartbeat → ${beat.verdict}`);
    return;
  }
  const keys = sandbox.user(ref.userName)?.accessKeys ?? [];
  const status = (await demo.domain.accounts.require(ref)).status;
  report(
    `  heartbeat with the new secret → ${beat.verdict}, account ${status}; old key ${result.oldAccessKeyId ?? '(none)'} ${keys.some((key) => key.accessKeyId === result.oldAccessKeyId) ? 'still there' : 'gone'}, keys in the sandbox: ${describeSandboxKeys(sandbox, ref)}`,
  );
  if (keys.some((key) => key.accessKeyId === result.oldAccessKeyId) || keys.length !== 1) {
    throw new Error(`${result.account}: expected only the new key left in the sandbox`);
  }
}

export const rotationStep: DemoStep = {
  name: 'rotation',
  title: 'rotate each account, and check the new secret against IAM',
  async run({ demo, scenario, report }) {
    for (const ref of scenario.accounts) {
      await rotateOne(demo, ref, report);
    }
  },
};
