/** A discovery of the sandbox: every user and access key, with the IAM calls it took. */
import { discover } from '../../jobs/discover/contract.ts';
import { completedResult, type DemoStep, seconds } from '../demo-step.ts';
import { type DiscoveryResult, describeDiff, describeFound } from './discovery-result.ts';

export const discoveryStep: DemoStep = {
  name: 'discovery',
  title: 'list every IAM user and access key of the provider',
  async run({ demo, scenario, report }) {
    const ran = await demo.runJob(discover, { provider: scenario.provider });
    const result = completedResult<DiscoveryResult>('discover', ran);
    const calls = Object.entries(result.calls)
      .map(([action, n]) => `${n} ${action}`)
      .join(' + ');
    report(`discover ${scenario.provider} → ${describeFound(result)} (${seconds(ran.ms)})`);
    report(
      `IAM calls: ${calls}; diff${result.first ? ' (first discovery)' : ''}: ${describeDiff(result)}`,
    );
    if (result.partial) {
      throw new Error('the discovery was partial');
    }
  },
};
