/**
 * `iam-pam dlq list | show <id> | replay <id> | replay --all | purge`: read and replay the
 * dead-letter straight from Redis (no API needed). `list --json` prints
 * `[{"id","queue","name","data","reason","at",…}]`. `replay --all --json` prints one array
 * with an item per entry: `{"id","queue","jobId"}` when replayed, `{"id","error":{"code","message"}}`
 * when not, and exits 1 if any was not.
 */
import type { Command } from 'commander';

import { isReplayed, type ReplayOutcome } from '../../dead-letter/dead-letter.ts';
import type { DeadLetterEntry } from '../../dead-letter/dead-letter-entry.ts';
import { invalidInput } from '../../errors.ts';
import type { JobContract } from '../../jobs/define-job.ts';
import { jobContracts } from '../../jobs/registry.ts';
import type { CliContext } from '../cli-context.ts';
import type { CommandRegistrar } from '../command-registrar.ts';
import { type ProducerSession, withProducerSession } from '../producer-session.ts';

function describeOutcome(outcome: ReplayOutcome): string {
  return isReplayed(outcome)
    ? `replayed ${outcome.id} as ${outcome.queue}/${outcome.jobId}`
    : `not replayed ${outcome.id}: ${outcome.error.code}: ${outcome.error.message}`;
}

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
      .option('--all', 'replay every entry not replayed yet (exit 1 if any could not be)')
      .option('--json', 'print one JSON line')
      .action((id: string | undefined, opts: { all?: boolean; json?: boolean }) =>
        run(async (context) => {
          if ((id === undefined) === (opts.all !== true)) {
            throw invalidInput('dlq replay: give an entry id or --all (not both)');
          }
          if (id !== undefined) {
            const replayed = await session(context, (s) => s.deadLetter.replay(id));
            context.print(replayed, { json: opts.json === true, text: describeOutcome(replayed) });
            return 0;
          }
          const outcomes = await session(context, (s) => s.deadLetter.replayAll());
          const failed = outcomes.filter((outcome) => !isReplayed(outcome)).length;
          const summary =
            failed === 0 ? [] : [`${failed} of ${outcomes.length} entries could not be replayed`];
          context.print(outcomes, {
            json: opts.json === true,
            text:
              outcomes.length === 0
                ? 'nothing to replay'
                : [...outcomes.map(describeOutcome), ...summary].join('\n'),
          });
          return failed === 0 ? 0 : 1;
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
