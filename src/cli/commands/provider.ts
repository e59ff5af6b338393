/** `iam-pam provider add|list|show|remove|policy`: providers, straight on Redis. */
import { type Command, Option } from 'commander';

import { withSchedules } from '../../domain.ts';
import { invalidInput } from '../../errors.ts';
import { parsePolicyAssignments } from '../../providers/lifecycle-policy.ts';
import type { ProviderRecord } from '../../providers/provider-schema.ts';
import { validateProvider } from '../../jobs/validate-provider/contract.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { addEnqueueOptions, type EnqueueFlags, runEnqueue } from '../enqueue-command.ts';
import { numberOption, readJsonFile } from '../read-json-file.ts';
import { describeSchedules } from '../describe-schedules.ts';

interface AddOptions {
  accessKeyId?: string;
  secretAccessKeyStdin?: boolean;
  secretAccessKey?: string;
  linked?: string;
  chain?: boolean;
  region?: string;
  endpoint?: string;
  stsEndpoint?: string;
  roleArn?: string;
  externalId?: string;
  maxRps?: string;
  policyFile?: string;
  json?: boolean;
}

export function describeProvider(p: ProviderRecord): string {
  const credential =
    p.credential.type === 'custom'
      ? `custom ${p.credential.accessKeyId}`
      : p.credential.type === 'linked'
        ? `linked ${p.credential.account}`
        : 'chain';
  const denied = p.denied.length > 0 ? ` denied: ${p.denied.join(', ')}` : '';
  return `${p.id}\t${p.status}\t${credential}\t${p.region}${p.maxRps ? `\tmaxRps ${p.maxRps}` : ''}${p.assumeRole ? `\trole ${p.assumeRole.roleArn}` : ''}${denied}`;
}

async function credentialFrom(
  options: AddOptions,
  readStdin: () => Promise<string>,
): Promise<unknown> {
  if (options.secretAccessKey !== undefined) {
    throw invalidInput(
      '--secret-access-key: never put a secret on the command line (shell history, ps); pipe it to --secret-access-key-stdin',
    );
  }
  const chosen = [
    options.accessKeyId !== undefined,
    options.linked !== undefined,
    options.chain === true,
  ].filter(Boolean).length;
  if (options.secretAccessKeyStdin && options.accessKeyId === undefined) {
    throw invalidInput('--secret-access-key-stdin goes with --access-key-id (a custom credential)');
  }
  if (chosen !== 1) {
    throw invalidInput(
      'choose one credential: --access-key-id ID --secret-access-key-stdin, --linked <account> or --chain',
    );
  }
  if (options.accessKeyId !== undefined) {
    if (!options.secretAccessKeyStdin) {
      throw invalidInput(
        '--access-key-id needs --secret-access-key-stdin (the secret is read from stdin)',
      );
    }
    const secretAccessKey = (await readStdin()).trim();
    if (secretAccessKey === '') {
      throw invalidInput('--secret-access-key-stdin: stdin was empty; pipe the secret access key');
    }
    return { type: 'custom', accessKeyId: options.accessKeyId, secretAccessKey };
  }
  return options.linked !== undefined
    ? { type: 'linked', account: options.linked }
    : { type: 'chain' };
}

export const registerProvider: CommandRegistrar = (program: Command, run) => {
  const provider = program
    .command('provider')
    .description('AWS accounts and the principals that act on them');

  provider
    .command('add <id>')
    .description('add or replace a provider (the credential secret is read from stdin)')
    .option('--access-key-id <id>', 'custom credential: the access key id')
    .option('--secret-access-key-stdin', 'custom credential: read the secret access key from stdin')
    // Accepted only to refuse it with a useful message: a secret on the command line leaks.
    .addOption(new Option('--secret-access-key <secret>').hideHelp())
    .option('--linked <account>', 'linked credential: a managed access-key account of ours')
    .option('--chain', "the AWS SDK's default credential chain (env, profile, instance role)")
    .option('--region <region>', 'AWS region (default us-east-1)')
    .option('--endpoint <url>', 'IAM endpoint (and STS, unless --sts-endpoint)')
    .option('--sts-endpoint <url>', 'STS endpoint')
    .option('--role-arn <arn>', 'assume this role after signing in')
    .option('--external-id <id>', 'the ExternalId the role requires')
    .option('--max-rps <n>', 'IAM requests per second this provider may use')
    .option('--policy-file <file>', 'lifecycle policy (JSON)')
    .option('--json', 'print the provider as JSON')
    .action((id: string, options: AddOptions) =>
      run(async (context) => {
        if (options.externalId !== undefined && options.roleArn === undefined) {
          throw invalidInput('--external-id needs --role-arn');
        }
        const policy =
          options.policyFile === undefined
            ? undefined
            : readJsonFile(options.policyFile, '--policy-file');
        const credential = await credentialFrom(options, () => context.readStdin());
        const body = {
          region: options.region,
          endpoints:
            options.endpoint === undefined && options.stsEndpoint === undefined
              ? undefined
              : { iam: options.endpoint, sts: options.stsEndpoint ?? options.endpoint },
          credential,
          assumeRole:
            options.roleArn === undefined
              ? undefined
              : { roleArn: options.roleArn, externalId: options.externalId },
          maxRps: numberOption(options.maxRps),
          policy,
        };
        const domain = await context.domain();
        if (credential !== undefined && (credential as { type: string }).type === 'custom') {
          await domain.unlockVault();
        }
        const { record, created } = await domain.providers.put(id, body, context.actor);
        context.progress(
          `provider ${id} ${created ? 'added' : 'replaced'}; check its permissions with iam-pam provider validate ${id} --wait`,
        );
        context.print(record, { json: options.json === true, text: describeProvider(record) });
      }),
    );

  provider
    .command('list')
    .description('list providers')
    .option('--json', 'a JSON array')
    .action((options: { json?: boolean }) =>
      run(async (context) => {
        const records = await (await context.domain()).providers.list();
        context.print(records, {
          json: options.json === true,
          text: records.map(describeProvider).join('\n') || '(no providers)',
        });
      }),
    );

  provider
    .command('show <id>')
    .description('show one provider (never its secret)')
    .option('--json', 'JSON')
    .action((id: string, options: { json?: boolean }) =>
      run(async (context) => {
        const domain = await context.domain();
        const shown = await withSchedules(domain, await domain.providers.require(id));
        context.print(shown, {
          json: options.json === true,
          text: [
            describeProvider(shown),
            shown.statusDetail ?? '',
            describeSchedules(shown.schedules),
          ]
            .filter((line) => line !== '')
            .join('\n'),
        });
      }),
    );

  addEnqueueOptions(
    provider
      .command('validate <id>')
      .description(
        'check the principal and its permissions (GetCallerIdentity, GetUser, SimulatePrincipalPolicy)',
      ),
  ).action((id: string, flags: EnqueueFlags) =>
    run(async (context) =>
      runEnqueue(context, validateProvider, { provider: id }, flags, {
        check: async () => {
          await (await context.domain()).providers.require(id);
        },
        isGood: (result) => (result as { status?: string }).status === 'ready',
      }),
    ),
  );

  provider
    .command('remove <id>')
    .description('remove a provider that manages no account')
    .option('--json', 'JSON')
    .action((id: string, options: { json?: boolean }) =>
      run(async (context) => {
        await (await context.domain()).providers.remove(id, context.actor);
        context.print(
          { provider: id, removed: true },
          { json: options.json === true, text: `provider ${id} removed` },
        );
      }),
    );

  provider
    .command('policy <id>')
    .description('show or change the lifecycle policy')
    .option('--file <file>', 'replace the policy with this JSON file')
    .option('--set <key=value...>', 'change single fields, e.g. --set rotateEveryDays=30')
    .option('--json', 'JSON')
    .action((id: string, options: { file?: string; set?: string[]; json?: boolean }) =>
      run(async (context) => {
        const domain = await context.domain();
        let record = await domain.providers.require(id);
        if (options.file !== undefined || options.set !== undefined) {
          // One validation and one write for the file and the --set values together.
          const file =
            options.file === undefined ? undefined : readJsonFile(options.file, '--file');
          if (
            file !== undefined &&
            (typeof file !== 'object' || file === null || Array.isArray(file))
          ) {
            throw invalidInput(
              `--file ${options.file}: must hold a JSON object, e.g. {"rotateEveryDays": 30}`,
            );
          }
          let patch: Record<string, unknown>;
          try {
            patch = parsePolicyAssignments(options.set ?? []);
          } catch (err) {
            throw invalidInput((err as Error).message);
          }
          const replace = file !== undefined;
          record = await domain.providers.updatePolicy(id, { ...file, ...patch }, context.actor, {
            replace,
          });
        }
        context.print(record.policy, {
          json: options.json === true,
          text: JSON.stringify(record.policy, null, 2),
        });
      }),
    );
};
