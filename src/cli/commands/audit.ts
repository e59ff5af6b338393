/** `iam-pam audit`: the audit trail, newest first. */
import type { Command } from 'commander';

import { canonicalRef, parseAccountRef } from '../../accounts/account-ref.ts';
import type { AuditEntry } from '../../audit/audit-log.ts';
import { invalidInput } from '../../errors.ts';
import type { CommandRegistrar } from '../command-registrar.ts';

function describeEntry(e: AuditEntry): string {
  return [
    e.at,
    e.actor,
    e.action,
    e.outcome,
    e.account ?? e.provider ?? '-',
    e.keyId ?? '-',
    e.requestId ? `request ${e.requestId}` : '',
  ]
    .join('\t')
    .trim();
}

export const registerAudit: CommandRegistrar = (program: Command, run) => {
  program
    .command('audit')
    .description('the audit trail: vault writes, secret reads, IAM mutations (newest first)')
    .option('--account <account>', 'only this account, e.g. prod/alice/access-key')
    .option('--limit <n>', 'at most this many entries (1-10000)', '50')
    .option('--json', 'a JSON array')
    .action((options: { account?: string; limit: string; json?: boolean }) =>
      run(async (context) => {
        if (
          !/^\d+$/.test(options.limit) ||
          Number(options.limit) < 1 ||
          Number(options.limit) > 10_000
        ) {
          throw invalidInput(`--limit ${options.limit}: must be a whole number from 1 to 10000`);
        }
        // Entries name accounts canonically (user name lower-cased), as IAM compares them.
        const account =
          options.account === undefined
            ? undefined
            : canonicalRef(parseAccountRef(options.account));
        const entries = await (
          await context.domain()
        ).audit.list({ account, limit: Number(options.limit) });
        context.print(entries, {
          json: options.json === true,
          text: entries.map(describeEntry).join('\n') || '(no entries)',
        });
      }),
    );
};
