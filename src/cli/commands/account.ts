/** `iam-pam account add|list|show|remove` and `iam-pam secret`: managed accounts. */
import type { Command } from 'commander';

import { readAccountSecret, removeAccount } from '../../accounts/account-actions.ts';
import { parseAccountRef } from '../../accounts/account-ref.ts';
import type { AccountRecord } from '../../accounts/account-store.ts';
import { importAccount } from '../../accounts/import-account.ts';
import { invalidInput } from '../../errors.ts';
import { rotate } from '../../jobs/rotate/contract.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { runEnqueue } from '../enqueue-command.ts';

export function describeAccount(a: AccountRecord): string {
  const key = a.currentAccessKeyId ? `\t${a.currentAccessKeyId}` : '';
  const heartbeat = a.lastHeartbeat
    ? `\theartbeat ${a.lastHeartbeat.verdict} ${a.lastHeartbeat.at}`
    : '';
  const rotation = a.lastRotation ? `\trotation ${a.lastRotation.state} ${a.lastRotation.at}` : '';
  return `${a.account}\t${a.status}${key}\tsecret ${a.secretKnown ? 'known' : 'unknown'}${heartbeat}${rotation}`;
}

/** What `--adopt-secret-stdin` reads, for its help and its error alike. */
const ADOPTED_SECRET_SHAPE =
  '{"accessKeyId":"AKIA…","secretAccessKey":"…"} for an access key, {"password":"…"} for a password';

function parseAdopted(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidInput(`--adopt-secret-stdin: stdin must be JSON: ${ADOPTED_SECRET_SHAPE}`);
  }
}

export const registerAccount: CommandRegistrar = (program: Command, run) => {
  const account = program
    .command('account')
    .description('credentials iam-pam manages: <provider>/<userName>/<kind>');

  account
    .command('add <account>')
    .description("manage an IAM user's access key or password (reads IAM, changes nothing in AWS)")
    .option('--access-key-id <id>', "the account's key, when the user has two")
    .option(
      '--adopt-secret-stdin',
      `take over the existing secret, read from stdin as JSON: ${ADOPTED_SECRET_SHAPE}`,
    )
    .option(
      '--reset',
      'rotate right after import: no key → the first managed key, one key → replaced (access keys)',
    )
    .option('--wait', 'with --reset: wait for the rotation, show its progress')
    .option('--json', 'JSON')
    .action(
      (
        text: string,
        options: {
          accessKeyId?: string;
          adoptSecretStdin?: boolean;
          reset?: boolean;
          wait?: boolean;
          json?: boolean;
        },
      ) =>
        run(async (context) => {
          const ref = parseAccountRef(text);
          if (options.wait && !options.reset) {
            throw invalidInput('--wait goes with --reset');
          }
          const adoptSecret = options.adoptSecretStdin
            ? parseAdopted(await context.readStdin())
            : undefined;
          const domain = await context.domain();
          if (adoptSecret !== undefined) {
            await domain.unlockVault();
          }
          const record = await importAccount(
            {
              ...domain,
              gatewayFor: domain.clients.gatewayFor,
              verifierFor: domain.clients.verifierFor,
            },
            ref,
            {
              accessKeyId: options.accessKeyId,
              adoptSecret,
              resetOnImport: options.reset === true,
            },
            context.actor,
          );
          if (options.reset !== true) {
            context.print(record, { json: options.json === true, text: describeAccount(record) });
            return 0;
          }
          // stdout carries the rotation job's outcome, as for `rotate`; the import goes to stderr.
          context.log().info({ account: record.account }, `managed ${describeAccount(record)}`);
          return runEnqueue(
            context,
            rotate,
            {
              provider: record.provider,
              userName: record.userName,
              kind: record.kind,
              reason: 'import',
            },
            { wait: options.wait === true, json: options.json === true },
          );
        }),
    );

  account
    .command('list')
    .description('list managed accounts')
    .option('--provider <id>', 'only this provider')
    .option('--json', 'a JSON array')
    .action((options: { provider?: string; json?: boolean }) =>
      run(async (context) => {
        const domain = await context.domain();
        if (options.provider !== undefined) {
          await domain.providers.require(options.provider);
        }
        const records = await domain.accounts.list(options.provider);
        context.print(records, {
          json: options.json === true,
          text: records.map(describeAccount).join('\n') || '(no accounts)',
        });
      }),
    );

  account
    .command('show <account>')
    .description('show one account (never its secret)')
    .option('--json', 'JSON')
    .action((text: string, options: { json?: boolean }) =>
      run(async (context) => {
        const record = await (await context.domain()).accounts.require(parseAccountRef(text));
        context.print(record, { json: options.json === true, text: describeAccount(record) });
      }),
    );

  account
    .command('remove <account>')
    .description('stop managing an account (AWS is left as it is; its secrets leave the vault)')
    .option('--json', 'JSON')
    .action((text: string, options: { json?: boolean }) =>
      run(async (context) => {
        const record = await removeAccount(
          await context.domain(),
          parseAccountRef(text),
          context.actor,
        );
        context.print(
          { account: record.account, removed: true },
          {
            json: options.json === true,
            text: `${record.account} is no longer managed; AWS is unchanged`,
          },
        );
      }),
    );

  program
    .command('secret <account>')
    .description("print an account's current secret (audited)")
    .option('--json', '{"accessKeyId","secretAccessKey"} or {"password"}')
    .action((text: string, options: { json?: boolean }) =>
      run(async (context) => {
        const secret = await readAccountSecret(
          await context.domain(),
          parseAccountRef(text),
          context.actor,
        );
        context.print(secret, {
          json: options.json === true,
          text:
            'password' in secret
              ? secret.password
              : `${secret.accessKeyId}\t${secret.secretAccessKey}`,
        });
      }),
    );
};
