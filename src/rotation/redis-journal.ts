/**
 * The rotation journal on Redis (jobs/rotate/journal.ts): one hash per open journal, a list of
 * the last closed ones, every write one fenced script (journal-scripts.ts) that waits for the
 * replicas afterwards (DESIGN.md invariant 9: a failover cannot lose `create_sent`).
 */
import type { Redis } from 'ioredis';

import { canonicalRef } from '../accounts/account-ref.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { PermanentError } from '../errors.ts';
import type { AccountKind } from '../identifiers.ts';
import {
  type ClosedJournal,
  JOURNAL_HISTORY_LENGTH,
  type Journal,
  type JournaledStep,
  type JournalStore,
  type JournalWriter,
  type PendingSecret,
} from '../jobs/rotate/journal.ts';
import type { Keys } from '../keys.ts';
import { leaseLostError } from '../queue/lease-guard.ts';
import type { WaitForReplicas } from '../queue/replica-wait.ts';
import { runScript } from '../queue/run-script.ts';
import type { SecretValue } from '../vault/secret-store.ts';
import { CLOSE_JOURNAL, OPEN_JOURNAL, RECORD_STEP } from './journal-scripts.ts';

/** A secret sealed for the vault (vault/redis-vault.ts `sealVersion`), ready to store. */
export interface SealedVersion {
  versionId: string;
  accessKeyId: string | undefined;
  /** The stored version's JSON, its secret encrypted. */
  json: string;
  /** The master key it is sealed under (the vault refuses any but its active one). */
  keyId: string;
  /** The MAC of the `pending` pointer to it (vault/pointer-mac.ts). */
  mac: string;
}

export interface RedisJournalDeps {
  redis: Redis;
  keys: Keys;
  audit: AuditLog;
  waitForReplicas: WaitForReplicas;
  /** Seals a secret for `owner` with the current master key (the vault's own sealing). */
  seal: (owner: string, value: SecretValue) => Promise<SealedVersion>;
}

function parseJournal(fields: Record<string, string>): Journal | undefined {
  if (fields.rotationId === undefined) {
    return undefined;
  }
  const order = fields.order ? fields.order.split(',') : [];
  return {
    rotationId: fields.rotationId,
    account: fields.account ?? '',
    kind: (fields.kind ?? 'access-key') as AccountKind,
    reason: fields.reason ?? '',
    startedAt: fields.startedAt ?? '',
    jobId: fields.jobId ?? '',
    step: fields.step ?? 'opened',
    steps: order.map((step) => JSON.parse(fields[`step:${step}`] ?? '{}') as JournaledStep),
  };
}

export function createRedisJournal(deps: RedisJournalDeps): JournalStore {
  const { redis, keys } = deps;
  const journalKey = (account: string) => keys.rotationJournal(account);
  const leaseKey = (writer: JournalWriter) =>
    keys.userLease(writer.fence.user.provider, writer.fence.user.userName);

  async function fenced(what: string, key: string, run: () => Promise<unknown>) {
    let reply: unknown;
    try {
      reply = await run();
    } catch (err) {
      const mapped = leaseLostError(err, what);
      if (mapped === err && err instanceof Error && err.message.startsWith('NOT_OPEN')) {
        throw new PermanentError(
          'conflict',
          `${what} refused: the journal of this rotation is no longer open (abandoned?); nothing changed`,
        );
      }
      throw mapped;
    }
    await deps.waitForReplicas(key);
    return reply;
  }

  async function readByKey(account: string): Promise<Journal | undefined> {
    return parseJournal(await redis.hgetall(journalKey(account)));
  }

  return {
    read: (account) => readByKey(canonicalRef(account)),

    async open(account, start, writer) {
      const canonical = canonicalRef(account);
      const key = journalKey(canonical);
      const fields = {
        rotationId: start.rotationId,
        account: canonical,
        kind: account.kind,
        reason: start.reason,
        startedAt: new Date().toISOString(),
        jobId: start.jobId,
        step: 'opened',
        order: '',
        fencingToken: String(writer.fence.fencingToken),
      };
      const reply = await fenced(`journal open on ${canonical}`, key, () =>
        runScript(
          redis,
          OPEN_JOURNAL,
          [key, leaseKey(writer)],
          [writer.fence.value, ...Object.entries(fields).flat()],
        ),
      );
      const journal = await readByKey(canonical);
      if (journal === undefined) {
        throw new Error(`journal of ${canonical} vanished right after it was opened`);
      }
      return { journal, opened: reply === 'OK' };
    },

    async recordStep(journal, step, writer, pending?: PendingSecret) {
      const key = journalKey(journal.account);
      const what = `journal step ${step.step} on ${journal.account}`;
      let record = step.record;
      const vaultKeys: string[] = [];
      const vaultArgs: string[] = [];
      let sealed: SealedVersion | undefined;
      if (pending !== undefined) {
        sealed = await deps.seal(journal.account, pending.value);
        record = { ...record, pendingVersionId: sealed.versionId };
        vaultKeys.push(keys.vault(journal.account), keys.vaultIndex, keys.vaultMasterKeyId);
        vaultArgs.push(sealed.versionId, sealed.json, journal.account, sealed.keyId, sealed.mac);
      }
      const entry: JournaledStep = { ...step, record, fencingToken: writer.fence.fencingToken };
      const reply = await fenced(what, key, () =>
        runScript(
          redis,
          RECORD_STEP,
          [key, leaseKey(writer), ...vaultKeys],
          [
            writer.fence.value,
            journal.rotationId,
            step.step,
            JSON.stringify(entry),
            writer.fence.fencingToken,
            ...vaultArgs,
          ],
        ),
      );
      if (reply === 'OK' && sealed !== undefined) {
        await deps.audit.append({
          actor: writer.actor,
          action: 'vault.put.pending',
          outcome: 'ok',
          provider: writer.fence.user.provider,
          account: journal.account,
          keyId: sealed.accessKeyId,
          jobId: writer.jobId,
          detail: { versionId: sealed.versionId, step: step.step, rotationId: journal.rotationId },
        });
      }
      const stored = await readByKey(journal.account);
      if (stored === undefined) {
        throw new Error(`journal of ${journal.account} vanished right after ${step.step}`);
      }
      return stored;
    },

    async close(journal, outcome, writer) {
      const key = journalKey(journal.account);
      const closed: ClosedJournal = {
        ...journal,
        closedAt: new Date().toISOString(),
        outcome,
        closedByJob: writer.jobId,
      };
      await fenced(`journal close on ${journal.account}`, key, () =>
        runScript(
          redis,
          CLOSE_JOURNAL,
          [key, leaseKey(writer), keys.rotationHistory(journal.account)],
          [writer.fence.value, journal.rotationId, JSON.stringify(closed), JOURNAL_HISTORY_LENGTH],
        ),
      );
      return closed;
    },

    async history(account, limit = JOURNAL_HISTORY_LENGTH) {
      const lines = await redis.lrange(keys.rotationHistory(canonicalRef(account)), 0, limit - 1);
      return lines.map((line) => JSON.parse(line) as ClosedJournal);
    },
  };
}
