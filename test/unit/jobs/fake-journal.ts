/**
 * An in-memory JournalStore for unit tests, with the Redis journal's rules: one open journal
 * per account, a step recorded twice changes nothing, every write refused (`lease_lost`) unless
 * the writer shows the lease value the fake holds (`holder`).
 */
import { canonicalRef } from '../../../src/accounts/account-ref.ts';
import { TransientError } from '../../../src/errors.ts';
import type {
  ClosedJournal,
  Journal,
  JournalStore,
  JournalWriter,
} from '../../../src/jobs/rotate/journal.ts';
import type { SecretValue } from '../../../src/vault/secret-store.ts';

export function createFakeJournal() {
  const open = new Map<string, Journal>();
  const closed = new Map<string, ClosedJournal[]>();
  const pending = new Map<string, SecretValue>();
  const state = { holder: 'lease-1', writes: 0 };
  const guard = (writer: JournalWriter) => {
    if (writer.fence.value !== state.holder) {
      throw new TransientError('lease_lost', 'fake journal: the lease is not held by this writer');
    }
    state.writes += 1;
  };
  const store: JournalStore = {
    read: async (account) => open.get(canonicalRef(account)),
    async open(account, start, writer) {
      guard(writer);
      const key = canonicalRef(account);
      const existing = open.get(key);
      if (existing !== undefined) {
        return { journal: existing, opened: false };
      }
      const journal: Journal = {
        ...start,
        account: key,
        kind: account.kind,
        startedAt: new Date().toISOString(),
        step: 'opened',
        steps: [],
      };
      open.set(key, journal);
      return { journal, opened: true };
    },
    async recordStep(journal, step, writer, secret) {
      guard(writer);
      const current = open.get(journal.account);
      if (current?.rotationId !== journal.rotationId) {
        throw new Error('fake journal: not open');
      }
      if (current.steps.some((s) => s.step === step.step)) {
        return current;
      }
      const record =
        secret === undefined ? step.record : { ...step.record, pendingVersionId: 'v1' };
      if (secret !== undefined) {
        pending.set(journal.account, secret.value);
      }
      const next: Journal = {
        ...current,
        step: step.step,
        steps: [...current.steps, { ...step, record, fencingToken: writer.fence.fencingToken }],
      };
      open.set(journal.account, next);
      return next;
    },
    async close(journal, outcome, writer) {
      guard(writer);
      const done: ClosedJournal = {
        ...journal,
        outcome,
        closedAt: new Date().toISOString(),
        closedByJob: writer.jobId,
      };
      open.delete(journal.account);
      closed.set(journal.account, [done, ...(closed.get(journal.account) ?? [])]);
      return done;
    },
    history: async (account) => closed.get(canonicalRef(account)) ?? [],
  };
  return { store, open, closed, pending, state };
}
