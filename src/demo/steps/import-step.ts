/**
 * Three accounts imported with reset on import (what `account add --reset --wait` does: the
 * credential replaced at once by a rotation, whose outcome it waits for): two access keys of
 * seeded users, and a seeded user's console password, set anew (UpdateLoginProfile) and checked
 * against the one the sandbox holds.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import { importAccount } from '../../accounts/import-account.ts';
import { rotate } from '../../jobs/rotate/contract.ts';
import type { Sandbox } from '../../sandbox/create-sandbox.ts';
import { completedResult, type DemoStep, seconds } from '../demo-step.ts';
import {
  checkPasswordHeld,
  describeKeys,
  describeSteps,
  type RotationResult,
} from './rotation-report.ts';

/** Two seeded users with one Active key each, and one with a console password. */
function pickAccounts(sandbox: Sandbox, provider: string): AccountRef[] {
  const seeded = sandbox.seededUsers;
  const withOneKey = seeded.filter(
    (u) => u.activeKeys === 1 && u.inactiveKeys === 0 && !u.password,
  );
  const withPassword = seeded.filter((u) => u.password && u.activeKeys + u.inactiveKeys === 0);
  const [first, second] = withOneKey;
  const [third] = withPassword;
  if (first === undefined || second === undefined || third === undefined) {
    throw new Error('the seeded users lack two with one key and one with a password');
  }
  return [
    { provider, userName: first.userName, kind: 'access-key' },
    { provider, userName: second.userName, kind: 'access-key' },
    { provider, userName: third.userName, kind: 'password' },
  ];
}

export const importStep: DemoStep = {
  name: 'import',
  title: 'manage two access keys and a password of seeded users, each reset on import',
  async run({ demo, scenario, report }) {
    const { domain } = demo;
    const deps = {
      ...domain,
      gatewayFor: domain.clients.gatewayFor,
      verifierFor: domain.clients.verifierFor,
    };
    for (const ref of pickAccounts(demo.sandbox, scenario.provider)) {
      const began = performance.now();
      const record = await importAccount(deps, ref, { resetOnImport: true }, 'demo');
      // What `account add --reset` enqueues next, through the producer.
      const ran = await demo.runJob(rotate, { ...ref, reason: 'import' }, 120_000);
      const result = completedResult<RotationResult>('the rotation on import', ran);
      scenario.accounts.push(ref);
      const now = await domain.accounts.require(ref);
      report(
        `account add ${record.account} --reset --wait → ${now.status}, ${describeKeys(result)} by rotation/${ran.jobId}: ${describeSteps(result)} (${seconds(performance.now() - began)})`,
      );
      if (ref.kind === 'password') {
        report(`  ${await checkPasswordHeld(demo, ref)}`);
      } else if (now.currentAccessKeyId !== result.newAccessKeyId || !now.secretKnown) {
        throw new Error(`${record.account}: the new key is not the managed one`);
      }
    }
  },
};
