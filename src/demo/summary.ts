/**
 * What the demo prints around its steps: where everything runs, and at the end the dashboard
 * URL with a read-only token of its own, and the commands to try with the environment to set.
 * The token and the sandbox's admin key are printed by design: both are throwaway and die with
 * the demo (CONTRACT.md). The master key is not printed: no command below needs it.
 */
import type { DeadLetterEntry } from '../dead-letter/dead-letter-entry.ts';
import type { DemoEnvironment } from './demo-environment.ts';
import { LISTING_PAGE_ITEMS } from './demo-environment.ts';
import { READER_TOKEN_NAME } from './demo-settings.ts';
import type { Scenario } from './demo-step.ts';
import type { StepsOutcome } from './run-steps.ts';

export function describeEnvironment(demo: DemoEnvironment, startMs: number): string[] {
  const { sandbox, settings } = demo;
  const running = demo.workers.filter((w) => w.isRunning());
  return [
    `iam-pam demo: Redis: ${demo.redis.description}, keys under {${settings.prefix}} (deleted when the demo stops)`,
    `  IAM sandbox at ${sandbox.endpoint}: ${sandbox.seededUsers.length} seeded users, ListUsers pages of ${LISTING_PAGE_ITEMS}`,
    `  API and dashboard at ${demo.api.url ?? '?'}; ${running.map((w) => `${w.name} (pid ${w.pid})`).join(', ')} starting; up in ${(startMs / 1000).toFixed(1)} s`,
    ...(demo.abandoned.length === 0
      ? []
      : [
          `  deleted the keys of earlier demos that were killed before they could: ${demo.abandoned.map((p) => `{${p}}`).join(', ')}`,
        ]),
  ];
}

/** `All 8 steps succeeded, in 27.3 s.` (a skipped step named: `(not in this build: …)`), or which step failed. */
export function describeOutcome(outcome: StepsOutcome, steps: number, elapsedMs: number): string {
  if (outcome.failed !== undefined) {
    return `Step ${outcome.failed.number} (${outcome.failed.name}) failed; the steps after it did not run.`;
  }
  const skipped =
    outcome.skipped.length > 0 ? ` (not in this build: ${outcome.skipped.join(', ')})` : '';
  return `All ${steps - outcome.skipped.length} steps succeeded${skipped}, in ${(elapsedMs / 1000).toFixed(1)} s.`;
}

export async function describeNext(demo: DemoEnvironment, scenario: Scenario): Promise<string[]> {
  const { settings, sandbox } = demo;
  const url = demo.api.url ?? '';
  const { accessKeyId, secretAccessKey } = sandbox.adminCredentials;
  const entries: DeadLetterEntry[] = await demo.deadLetter.list().catch(() => []);
  const account = scenario.accounts[0];
  return [
    'Try it:',
    `  dashboard  ${url}/admin/queues  (user ${READER_TOKEN_NAME}, password ${settings.readerToken}: a read-only token of this demo, gone when it stops)`,
    `  HTTP API   curl -H 'Authorization: Bearer ${settings.readerToken}' ${url}/v1/accounts   (all routes: ${url}/docs)`,
    `  IAM        the sandbox at ${sandbox.endpoint}, its admin key ${accessKeyId} / ${secretAccessKey} (throwaway)`,
    '  CLI, in another terminal of this checkout:',
    `    export REDIS_URL=${settings.config.redis.url} IAM_PAM_PREFIX=${settings.prefix}`,
    '    npx iam-pam account list',
    '    npx iam-pam dlq list',
    ...(entries[0] === undefined ? [] : [`    npx iam-pam dlq replay ${entries[0].id}`]),
    ...(account === undefined
      ? []
      : [
          `    npx iam-pam heartbeat ${account.provider}/${account.userName}/${account.kind} --wait`,
        ]),
    `    npx iam-pam discover ${scenario.provider} --wait`,
    '    npx iam-pam audit --limit 10',
  ];
}
