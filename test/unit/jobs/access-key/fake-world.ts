/**
 * One IAM user, its vault and its journal, in memory, for the access-key rotation's unit
 * tests: keys with creation dates (on IAM's clock, which may run ahead of ours), statuses, last
 * use and secrets; tags with IAM's 50-tag quota; an STS that accepts a key once it has
 * propagated; a vault with stages; a clock the verify poll's sleep advances. Faults: `lose`
 * makes CreateAccessKey apply and then fail as a lost response would.
 */
import { PermanentError, TransientError } from '../../../../src/errors.ts';
import type { AccessKey, IamGateway, Tag } from '../../../../src/iam/iam-gateway.ts';
import type { AccountRef } from '../../../../src/accounts/account-ref.ts';
import { type AccessKeyRotationDeps } from '../../../../src/jobs/rotate/access-key/deps.ts';
import type { JournalStore } from '../../../../src/jobs/rotate/journal.ts';
import type { RotationPorts } from '../../../../src/jobs/rotate/rotation-kind.ts';
import type { RotationRun } from '../../../../src/jobs/rotate/step-runner.ts';
import {
  DEFAULT_LIFECYCLE_POLICY,
  type LifecyclePolicy,
} from '../../../../src/providers/lifecycle-policy.ts';
import { createLogger } from '../../../../src/logger.ts';
import type {
  SecretStore,
  SecretValue,
  VaultStage,
  VersionInfo,
} from '../../../../src/vault/secret-store.ts';
import type { EventInput } from '../../../../src/jobs/events.ts';
import { createFakeJournal } from '../fake-journal.ts';

export const account: AccountRef = { provider: 'prod', userName: 'Alice', kind: 'access-key' };
export const OWNER = 'prod/alice/access-key';

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
  status: 'Active' | 'Inactive';
  createdAt: Date;
  lastUsedAt?: Date | undefined;
  /** IAM-clock time from which STS accepts it. */
  validFrom: number;
}

export function createWorld(options: { skewMs?: number; propagationMs?: number } = {}) {
  const skewMs = options.skewMs ?? 0;
  const clock = { ms: Date.parse('2026-01-01T00:00:00Z') };
  const now = () => new Date(clock.ms);
  const iamNow = () => new Date(clock.ms + skewMs);
  const keys: Key[] = [];
  const tags = new Map<string, string>();
  const calls: string[] = [];
  const faults = { lose: 0, createdAfterLoss: [] as string[] };
  let ids = 0;
  const newKey = (over: Partial<Key> = {}): Key => {
    ids += 1;
    const key: Key = {
      accessKeyId: `AKIAFAKE${String(ids).padStart(8, '0')}`,
      secretAccessKey: `secret-${ids}-xxxxxxxxxxxxxxxx`,
      status: 'Active',
      createdAt: new Date(Math.floor(iamNow().getTime() / 1000) * 1000),
      validFrom: iamNow().getTime() + (options.propagationMs ?? 0),
      ...over,
    };
    keys.push(key);
    return key;
  };
  const find = (id: string) => keys.find((k) => k.accessKeyId === id);
  const missing = (id: string) =>
    new PermanentError('entity_missing', `The Access Key with id ${id} cannot be found.`);
  const iam = {
    async listAccessKeys(): Promise<AccessKey[]> {
      calls.push('ListAccessKeys');
      return keys.map((k) => ({
        accessKeyId: k.accessKeyId,
        userName: account.userName,
        status: k.status,
        createdAt: k.createdAt,
      }));
    },
    async createAccessKey() {
      calls.push('CreateAccessKey');
      if (keys.length >= 2) {
        throw new PermanentError('quota_exceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
      }
      const key = newKey();
      if (faults.lose > 0) {
        faults.lose -= 1;
        faults.createdAfterLoss.push(key.accessKeyId);
        throw new TransientError('iam_unreachable', 'socket hang up');
      }
      return { ...key, userName: account.userName, requestId: 'req-create' };
    },
    async updateAccessKeyStatus(_u: string, id: string, status: 'Active' | 'Inactive') {
      calls.push('UpdateAccessKey');
      const key = find(id);
      if (key === undefined) {
        throw missing(id);
      }
      key.status = status;
      return { requestId: 'req-update' };
    },
    async deleteAccessKey(_u: string, id: string) {
      calls.push('DeleteAccessKey');
      const at = keys.findIndex((k) => k.accessKeyId === id);
      if (at >= 0) {
        keys.splice(at, 1);
      }
      return { requestId: 'req-delete', alreadyGone: at < 0 };
    },
    async listUserTags(): Promise<Tag[]> {
      calls.push('ListUserTags');
      return [...tags].map(([key, value]) => ({ key, value }));
    },
    async tagUser(_u: string, added: Tag[]) {
      calls.push('TagUser');
      const fresh = added.filter((t) => !tags.has(t.key));
      if (tags.size + fresh.length > 50) {
        throw new PermanentError('quota_exceeded', 'Cannot exceed quota for TagsPerUser: 50');
      }
      added.forEach((t) => tags.set(t.key, t.value));
      return { requestId: 'req-tag' };
    },
    async untagUser(_u: string, removed: string[]) {
      calls.push('UntagUser');
      removed.forEach((k) => tags.delete(k));
      return { requestId: 'req-untag' };
    },
    async getAccessKeyLastUsed(id: string) {
      calls.push('GetAccessKeyLastUsed');
      const key = find(id);
      return key && { lastUsedAt: key.lastUsedAt, serviceName: 'N/A', region: 'N/A' };
    },
    clockSkewMs: async () => skewMs,
  } as unknown as IamGateway;

  const verifier = {
    async verify(credentials: { accessKeyId: string; secretAccessKey: string }) {
      calls.push('sts:GetCallerIdentity');
      const key = find(credentials.accessKeyId);
      if (
        key === undefined ||
        key.status !== 'Active' ||
        key.secretAccessKey !== credentials.secretAccessKey ||
        iamNow().getTime() < key.validFrom
      ) {
        throw new TransientError('new_key_not_yet_valid', 'InvalidClientTokenId');
      }
      return { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/Alice', userId: 'U' };
    },
  };

  // The vault: versions with stages.
  const versions = new Map<string, { value: SecretValue; stages: Set<VaultStage> }>();
  let versionIds = 0;
  const atStage = (stage: VaultStage) => [...versions].find(([, v]) => v.stages.has(stage));
  const setStage = (stage: VaultStage, id: string | undefined) => {
    for (const [vid, v] of versions) {
      v.stages.delete(stage);
      if (v.stages.size === 0 && vid !== id) {
        versions.delete(vid);
      }
    }
    if (id !== undefined) {
      versions.get(id)?.stages.add(stage);
    }
  };
  const vault = {
    async put(_o: string, stage: VaultStage, value: SecretValue) {
      versionIds += 1;
      const id = `v${versionIds}`;
      versions.set(id, { value, stages: new Set() });
      setStage(stage, id);
      return { versionId: id } as VersionInfo;
    },
    async promote(_o: string, opts: { versionId?: string }) {
      const pending = atStage('pending');
      if (pending === undefined) {
        if (opts.versionId !== undefined && atStage('current')?.[0] === opts.versionId) {
          return;
        }
        throw new Error('fake vault: no pending');
      }
      const current = atStage('current');
      setStage('previous', current?.[0]);
      setStage('current', pending[0]);
      pending[1].stages.delete('pending');
    },
    async clear(_o: string, stage: VaultStage) {
      setStage(stage, undefined);
    },
    async read(_o: string, stage: VaultStage) {
      return atStage(stage)?.[1].value;
    },
    async versions(): Promise<VersionInfo[]> {
      return [...versions].map(([versionId, v]) => ({
        versionId,
        stages: [...v.stages],
        kind: 'access-key',
        accessKeyId: 'accessKeyId' in v.value ? v.value.accessKeyId : undefined,
        createdAt: '',
        masterKeyId: 'm',
      }));
    },
  } as unknown as SecretStore;

  // The journal: the fake's rules, the pending secret stored in this vault with its step.
  const fakeJournal = createFakeJournal();
  const journals: JournalStore = {
    ...fakeJournal.store,
    async recordStep(journal, step, writer, pending) {
      if (pending === undefined) {
        return fakeJournal.store.recordStep(journal, step, writer);
      }
      const stored = await fakeJournal.store.recordStep(journal, step, writer);
      const { versionId } = await vault.put(OWNER, 'pending', pending.value, { actor: 't' });
      const steps = stored.steps.map((s) =>
        s.step === step.step ? { ...s, record: { ...s.record, pendingVersionId: versionId } } : s,
      );
      const next = { ...stored, steps };
      fakeJournal.open.set(OWNER, next);
      return next;
    },
  };

  const accountRecord = { currentAccessKeyId: undefined as string | undefined };
  const policy: { value: LifecyclePolicy; denied: string[] } = {
    value: { ...DEFAULT_LIFECYCLE_POLICY },
    denied: [],
  };
  const events: EventInput[] = [];
  const refused: Record<string, unknown>[] = [];
  const scheduled: { job: string; accessKeyId: string; delayMs: number }[] = [];
  /** The audit entries of the old key's last use. */
  const lastUses: { accessKeyId: string; lastUsedAt: string | null }[] = [];
  const deps: AccessKeyRotationDeps = {
    accounts: {
      require: async () =>
        ({ ...account, currentAccessKeyId: accountRecord.currentAccessKeyId }) as never,
      update: async (_ref, change) => {
        if (change.currentAccessKeyId !== undefined) {
          accountRecord.currentAccessKeyId = change.currentAccessKeyId;
        }
        return {} as never;
      },
    },
    providerOf: async () => ({ policy: policy.value, denied: policy.denied }),
    // The audit: the times CreateAccessKey was sent (our clock), as the audited gateway logs them.
    createAttempts: async (_a, since) => sends.filter((t) => t.getTime() >= since.getTime()),
    scheduleRetirement: async (job, target, delayMs) => {
      scheduled.push({ job, accessKeyId: target.accessKeyId, delayMs });
    },
    retiringKeyOf: async () => {
      const [last] = fakeJournal.closed.get(OWNER) ?? [];
      const plan = last?.steps.find((step) => step.step === 'plan')?.record;
      return last?.outcome === 'succeeded'
        ? (plan as { oldAccessKeyId?: string } | undefined)?.oldAccessKeyId
        : undefined;
    },
    refused: async (_a, _j, detail) => {
      refused.push(detail);
    },
    lastUsed: async (_a, { accessKeyId, lastUsedAt }) => {
      lastUses.push({ accessKeyId, lastUsedAt });
    },
    sleep: async (ms) => {
      clock.ms += ms;
    },
  };
  const sends: Date[] = [];
  const auditedIam = new Proxy(iam, {
    get(target, prop, receiver) {
      if (prop === 'createAccessKey') {
        return (...args: unknown[]) => {
          sends.push(now());
          return (target.createAccessKey as (...a: unknown[]) => unknown)(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const ports: RotationPorts = {
    iam: auditedIam,
    verifier,
    vault,
    vaultWrite: { actor: 'test', jobId: 'j1' },
    now,
    log: createLogger({ level: 'silent', stream: 'stderr' }),
    signal: new AbortController().signal,
  };
  let rotationIds = 0;
  const run = (failAfter?: string): RotationRun => ({
    account,
    reason: 'manual',
    jobId: 'j1',
    journals,
    writer: { fence: { user: account, fencingToken: 1, value: 'lease-1' }, actor: 'test' },
    ports,
    failpoints: {
      hit: (name) => {
        if (name === `rotation:after-${failAfter}`) {
          throw new Error(`killed after ${failAfter}`);
        }
      },
    },
    emit: async (event) => {
      events.push(event);
      return '1-0';
    },
    progress: async () => undefined,
    attachState: () => undefined,
    newRotationId: () => `rot-${(rotationIds += 1)}`,
  });

  /** An imported key of the account (its secret adopted into the vault unless `adopt` is false). */
  const importKey = async (adopt = true) => {
    const key = newKey();
    accountRecord.currentAccessKeyId = key.accessKeyId;
    if (adopt) {
      await vault.put(OWNER, 'current', key, { actor: 't' });
    }
    return key;
  };

  return {
    clock,
    now,
    keys,
    tags,
    calls,
    faults,
    newKey,
    importKey,
    vault,
    journal: fakeJournal,
    journals,
    deps,
    ports,
    run,
    policy,
    events,
    refused,
    lastUses,
    scheduled,
    accountRecord,
    sends,
    verifier,
  };
}

export type World = ReturnType<typeof createWorld>;

/** The invariants at rest: one key, Active, ours and current in the vault with a working secret. */
export async function expectOneWorkingKey(world: World): Promise<string> {
  const { keys, vault, verifier, accountRecord } = world;
  if (keys.length !== 1 || keys[0]?.status !== 'Active') {
    throw new Error(`expected one Active key, found ${JSON.stringify(keys)}`);
  }
  const current = await vault.read(OWNER, 'current');
  if (current === undefined || !('accessKeyId' in current)) {
    throw new Error('no current secret');
  }
  await verifier.verify(current);
  if (accountRecord.currentAccessKeyId !== current.accessKeyId) {
    throw new Error('the account names another key');
  }
  return current.accessKeyId;
}
