/**
 * `iam-pam dlq list | show <id> | replay <id> | replay --all | purge`: read and replay the
 * dead-letter straight from Redis (no API needed). `list --json` prints
 * `[{"id","queue","name","data","reason","at",…}]`.
 */
import type { Command } from 'commander';

import type { DeadLetterEntry } from '../../dead-letter/dead-letter-entry.ts';
import { invalidInput } from '../../errors.ts';
import type { JobContract } from '../../jobs/define-job.ts';
import { jobContracts } from '../../jobs/registry.ts';
import type { CliContext } from '../cli-context.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { type ProducerSession, withProducerSession } from '../producer-session.ts';

function line(entry: DeadLetterEntry): string {
  const replayed = entry.replayed === undefined ? '' : `  replayed as ${entry.replayed.jobId}`;
  return `${entry.id}  ${entry.queue}/${entry.name}  ${entry.reason}  ${entry.at}${replayed}`;
}

export function createDlqCommand(
  contracts: readonly JobContract[] = jobContracts,
): CommandRegistrar {
  return (program: Command, run) => {
    const session = <T>(context: CliContext, body: (s: ProducerSession) => Promise<T>) =>
      withProducerSession(context.config(), context.log(), contracts, body);
    const dlq = program
      .command('dlq')
      .description('read, replay and purge the dead-letter (jobs that retrying could not help)');

    dlq
      .command('list')
      .description('every entry, oldest first')
      .option('--json', 'print one JSON array')
      .action((opts: { json?: boolean }) =>
        run(async (context) => {
          const entries = await session(context, (s) => s.deadLetter.list());
          context.print(entries, {
            json: opts.json === true,
            text: entries.length === 0 ? 'the dead-letter is empty' : entries.map(line).join('\n'),
          });
        }),
      );

    dlq
      .command('show <id>')
      .description('one entry: payload, reason, attempts, the state its job left')
      .option('--json', 'print one JSON line')
      .action((id: string, opts: { json?: boolean }) =>
        run(async (context) => {
          const entry = await session(context, (s) => s.deadLetter.show(id));
          context.print(entry, { json: opts.json === true, text: JSON.stringify(entry, null, 2) });
        }),
      );

    dlq
      .command('replay [id]')
      .description('add a new job to the original queue and mark the entry replayed')
      .option('--all', 'replay every entry not replayed yet')
      .option('--json', 'print one JSON line')
      .action((id: string | undefined, opts: { all?: boolean; json?: boolean }) =>
        run(async (context) => {
          if ((id === undefined) === (opts.all !== true)) {
            throw invalidInput('dlq replay: give an entry id or --all (not both)');
          }
          const replayed = await session(context, async (s) =>
            id === undefined ? s.deadLetter.replayAll() : [await s.deadLetter.replay(id)],
          );
          const text = replayed.map((r) => `replayed ${r.id} as ${r.queue}/${r.jobId}`).join('\n');
          context.print(id === undefined ? replayed : replayed[0], {
            json: opts.json === true,
            text: text === '' ? 'nothing to replay' : text,
          });
        }),
      );

    dlq
      .command('purge')
      .description('delete every entry')
      .option('--json', 'print one JSON line')
      .action((opts: { json?: boolean }) =>
        run(async (context) => {
          const purged = await session(context, (s) => s.deadLetter.purge());
          context.print({ purged }, { json: opts.json === true, text: `purged ${purged} entries` });
        }),
      );
  };
}

export const registerDlq = createDlqCommand();
