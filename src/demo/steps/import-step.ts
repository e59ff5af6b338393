/**
 * Three accounts imported: two access keys and a password of seeded users, their secrets
 * adopted (as `account add --adopt-secret-stdin` does, the secrets read from the sandbox).
 * Reset on import needs rotation, which is not in this build: the step says so.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import { importAccount } from '../../accounts/import-account.ts';
import type { Sandbox } from '../../sandbox/create-sandbox.ts';
import { type DemoStep, seconds } from '../demo-step.ts';

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

function adoptedSecret(sandbox: Sandbox, ref: AccountRef): object {
  const user = sandbox.user(ref.userName);
  const key = user?.accessKeys[0];
  if (ref.kind === 'password') {
    if (user?.loginProfile === null || user === undefined) {
      throw new Error(`${ref.userName} has no console password in the sandbox`);
    }
    return { password: user.loginProfile.password };
  }
  if (key === undefined) {
    throw new Error(`${ref.userName} has no access key in the sandbox`);
  }
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

export const importStep: DemoStep = {
  name: 'import',
  title: 'manage two access keys and a password of seeded users',
  async run({ demo, scenario, report }) {
    report(
      'reset on import needs rotation, which is not in this build: imported without reset, each secret adopted instead (read from the sandbox, as --adopt-secret-stdin takes it)',
    );
    const { domain } = demo;
    for (const ref of pickAccounts(demo.sandbox, scenario.provider)) {
      const began = performance.now();
      const record = await importAccount(
        {
          ...domain,
          gatewayFor: domain.clients.gatewayFor,
          verifierFor: domain.clients.verifierFor,
        },
        ref,
        { adoptSecret: adoptedSecret(demo.sandbox, ref) },
        'demo',
      );
      scenario.accounts.push(ref);
      const key =
        record.currentAccessKeyId === undefined ? '' : `, key ${record.currentAccessKeyId}`;
      report(
        `account add ${record.account} --adopt-secret-stdin → ${record.status}${key}, secret ${record.secretKnown ? 'known' : 'unknown'} (${seconds(performance.now() - began)})`,
      );
    }
  },
};
