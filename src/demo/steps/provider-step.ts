/**
 * A provider added and validated: its principal's policy leaves out one action on purpose, so
 * the first check reports it missing; once granted, the second check says `ready`.
 */
import { validateProvider } from '../../jobs/validate-provider/contract.ts';
import { seedPolicyDocument } from '../../providers/prerequisites.ts';
import { createPrincipal, putUserPolicy } from '../behind-the-back.ts';
import { completedResult, type DemoStep, seconds } from '../demo-step.ts';

const PRINCIPAL = 'iam-pam-demo';
const POLICY_NAME = 'iam-pam';
const WITHHELD = 'iam:UpdateAccessKey';
/** The provider's IAM requests/s: a discovery of the seeded users takes a few seconds. */
const MAX_RPS = 100;

interface ValidateResult {
  status: string;
  denied: string[];
}

function policy(without?: string) {
  const document = seedPolicyDocument();
  for (const statement of document.Statement) {
    statement.Action = statement.Action.filter((action) => action !== without);
  }
  return { name: POLICY_NAME, document };
}

export const providerStep: DemoStep = {
  name: 'provider',
  title: 'add the sandbox as provider "demo" and validate its permissions',
  async run({ demo, scenario, report }) {
    const { sandbox } = demo;
    const principal = createPrincipal(sandbox, PRINCIPAL, policy(WITHHELD));
    scenario.principal = { userName: principal.userName, accessKeyId: principal.accessKeyId };
    await demo.domain.providers.put(
      scenario.provider,
      {
        description: 'the demo IAM sandbox',
        region: sandbox.region,
        endpoints: { iam: sandbox.endpoint, sts: sandbox.stsEndpoint },
        credential: {
          type: 'custom',
          accessKeyId: principal.accessKeyId,
          secretAccessKey: principal.secretAccessKey,
        },
        maxRps: MAX_RPS,
      },
      'demo',
    );
    report(
      `provider add ${scenario.provider} → added: signs as ${PRINCIPAL} (key ${principal.accessKeyId}), whose policy leaves out ${WITHHELD} on purpose`,
    );
    for (const worker of demo.workers) {
      await worker.ready;
      report(`${worker.name} (pid ${worker.pid}) is ready: it serves every work queue`);
    }
    const first = await demo.runJob(validateProvider, { provider: scenario.provider });
    const found = completedResult<ValidateResult>('validate-provider', first);
    report(
      `provider validate ${scenario.provider} → ${found.status}, denied: ${found.denied.join(', ') || 'none'} (${seconds(first.ms)})`,
    );
    if (found.status !== 'missing_permissions' || !found.denied.includes(WITHHELD)) {
      throw new Error(`expected missing_permissions naming ${WITHHELD}`);
    }
    putUserPolicy(sandbox, PRINCIPAL, policy());
    report(`granted ${WITHHELD} to ${PRINCIPAL} (its policy replaced in the sandbox)`);
    const second = await demo.runJob(validateProvider, { provider: scenario.provider });
    const fixed = completedResult<ValidateResult>('validate-provider', second);
    report(`provider validate ${scenario.provider} → ${fixed.status} (${seconds(second.ms)})`);
    if (fixed.status !== 'ready') {
      throw new Error(`expected ready, denied: ${fixed.denied.join(', ')}`);
    }
  },
};
