/**
 * What the access-key rotation's crash tests share (test/crash, test/slow): real worker
 * processes running the production kind (IAM_PAM_TEST_ROTATION=production), a real Redis and
 * the sandbox (or moto, for what moto can show), managed users whose imported key is adopted,
 * and the end state every rotation must reach: exactly one key, Active, whose vault secret is
 * the key's; the old key deleted and untagged; the journal closed; exactly one
 * `rotation.succeeded`; every mutation's audit entry settled and none left unsettled.
 *
 * On moto: no request log and no faults (no holdAfter, dropResponse or propagation delay), and
 * its STS accepts any key — the keys and tags are read by ListAccessKeys and ListUserTags, and
 * the vault's secret is compared with moto's own record of the key (test/support/moto-state.ts).
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, expect } from 'vitest';

import { type AccountRef, canonicalRef } from '../../src/accounts/account-ref.ts';
import { createUnsettledMutations } from '../../src/audit/unsettled-mutations.ts';
import { createDeadLetterOf, createQueueServices } from '../../src/app/queue-services.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import { ACCESS_KEY_STEPS } from '../../src/jobs/rotate/access-key/kind.ts';
import { jobContracts } from '../../src/jobs/registry.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { type CrashHarness, type CrashTarget, createCrashHarness } from './crash-harness.ts';
import type { WorkerProcess } from './worker-process.ts';
import { useEngine } from './engine.ts';
import { type IamBackend, startIamBackend } from './iam-backend.ts';
import { motoSecretOf } from './moto-state.ts';

/** The IAM backend of a crash file: the sandbox (faults, request log) or moto. */
export type CrashBackend = 'sandbox' | 'moto';

export const REAL = { IAM_PAM_TEST_ROTATION: 'production' };
export const FAILPOINTS = [...ACCESS_KEY_STEPS, 'done'].map((step) => `rotation:after-${step}`);

export const accountOf = (userName: string): AccountRef => ({
  provider: 'prod',
  userName,
  kind: 'access-key',
});

/**
 * A new sandbox user with one key (and, for `admin`, an inline policy allowing everything),
 * managed as `ref` with that key as the account's and its secret adopted into the vault.
 */
export async function adoptedUser(
  iam: IAMClient,
  domain: Domain,
  ref: AccountRef,
  options: { admin?: boolean } = {},
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const { User } = await iam.send(new CreateUserCommand({ UserName: ref.userName }));
  if (options.admin === true) {
    await iam.send(
      new PutUserPolicyCommand({
        UserName: ref.userName,
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
  }
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: ref.userName }));
  const key = {
    accessKeyId: AccessKey?.AccessKeyId ?? '',
    secretAccessKey: AccessKey?.SecretAccessKey ?? '',
  };
  const now = new Date().toISOString();
  await domain.vault.put(canonicalRef(ref), 'current', key, { actor: 'test' });
  await domain.accounts.create({
    ...ref,
    account: canonicalRef(ref),
    status: 'managed',
    userId: User?.UserId ?? '',
    currentAccessKeyId: key.accessKeyId,
    secretKnown: true,
    importedAt: now,
    updatedAt: now,
  });
  return key;
}

/**
 * What every crash file on the production kinds sets up: the engine's producer side, a domain,
 * the dead-letter, the IAM backend (the sandbox unless told) with an admin IAM client, and a
 * crash harness that remembers the workers it starts (their logs are scanned for secrets);
 * `setup` runs once the vault is open.
 */
export function useCrashWorld(
  setup: (iam: IAMClient, target: CrashTarget) => Promise<void>,
  backend: CrashBackend = 'sandbox',
) {
  const engine = useEngine({ noWorker: true });
  const domain = createDomain({ config: engine.config, redis: engine.redis.redis });
  const services = createQueueServices({ redis: engine.producer, config: engine.config });
  const deadLetter = createDeadLetterOf(services, { contracts: jobContracts, log: engine.log });
  let sandbox: Sandbox | undefined;
  let moto: IamBackend | undefined;
  let target: CrashTarget;
  let iam: IAMClient;
  const crashHarness = createCrashHarness(engine, () => target);
  const started: WorkerProcess[] = [];
  const harness: CrashHarness = {
    ...crashHarness,
    async start(options) {
      const worker = await crashHarness.start(options);
      started.push(worker);
      return worker;
    },
  };
  /** Which of `secrets` (shown by their first 4 characters) a started worker printed. */
  const secretsIn = (secrets: readonly string[]): string[] => {
    const logs = started.map((w) => w.stdout() + w.stderr()).join('\n');
    return secrets.filter((secret) => logs.includes(secret)).map((x) => `${x.slice(0, 4)}…`);
  };

  beforeAll(async () => {
    if (backend === 'moto') {
      moto = await startIamBackend('moto');
      target = {
        endpoint: moto.endpoint ?? '',
        region: moto.region,
        adminCredentials: moto.credentials,
      };
    } else {
      sandbox = await createSandbox();
      target = sandbox;
    }
    iam = new IAMClient({
      region: target.region,
      endpoint: target.endpoint,
      credentials: target.adminCredentials,
    });
    await domain.unlockVault();
    await setup(iam, target);
  });

  afterAll(async () => {
    await harness.stopAll();
    iam?.destroy();
    await services.close();
    domain.close();
    await sandbox?.close();
    await moto?.stop();
  });
  return {
    engine,
    domain,
    deadLetter,
    harness,
    secretsIn,
    backend,
    iam: () => iam,
    target: () => target,
    sandbox: (): Sandbox => {
      if (sandbox === undefined) {
        throw new Error('this file runs on moto: no sandbox (no request log, no faults)');
      }
      return sandbox;
    },
  };
}

/**
 * Registers the file's hooks; `users` get an imported, adopted key before the tests, on the
 * sandbox unless told.
 */
export function useAccessKeyCrash(users: readonly string[], backend: CrashBackend = 'sandbox') {
  const oldKeys = new Map<string, string>();
  const secrets: string[] = [];
  const world = useCrashWorld(async (iam) => {
    await world.engine.addProvider('prod', { endpoint: undefined, credentials: 'chain' });
    for (const userName of users) {
      const key = await adoptedUser(iam, world.domain, accountOf(userName));
      oldKeys.set(userName, key.accessKeyId);
      secrets.push(key.secretAccessKey);
    }
  }, backend);
  const { engine, domain, deadLetter, harness, secretsIn } = world;

  /** The user's keys (id, status, secret) and tag keys, as the backend knows them. */
  async function backendView(userName: string) {
    if (backend === 'sandbox') {
      const user = world.sandbox().user(userName);
      return {
        keys: (user?.accessKeys ?? []).map((k) => ({
          id: k.accessKeyId,
          status: k.status,
          secret: k.secretAccessKey,
        })),
        tags: (user?.tags ?? []).map((t) => t.key),
      };
    }
    const iam = world.iam();
    const { AccessKeyMetadata = [] } = await iam.send(
      new ListAccessKeysCommand({ UserName: userName }),
    );
    const { Tags = [] } = await iam.send(new ListUserTagsCommand({ UserName: userName }));
    const endpoint = world.target().endpoint;
    return {
      keys: await Promise.all(
        AccessKeyMetadata.map(async (k) => ({
          id: k.AccessKeyId ?? '',
          status: k.Status ?? '',
          secret: await motoSecretOf(endpoint, k.AccessKeyId ?? ''),
        })),
      ),
      tags: Tags.map((t) => t.Key ?? ''),
    };
  }

  /** The end state of a rotation, whatever happened on the way. */
  async function expectRotated(userName: string): Promise<void> {
    const ref = accountOf(userName);
    const owner = canonicalRef(ref);
    const current = await domain.vault.read(owner, 'current');
    if (current === undefined || !('accessKeyId' in current)) throw new Error('no current secret');
    secrets.push(current.secretAccessKey);
    // Exactly one key, Active, the vault's; the old one (and any other) gone.
    const { keys, tags } = await backendView(userName);
    expect(keys.map((k) => [k.id, k.status])).toEqual([[current.accessKeyId, 'Active']]);
    expect(keys[0]?.secret).toBe(current.secretAccessKey);
    expect(current.accessKeyId).not.toBe(oldKeys.get(userName));
    expect(tags).toEqual([current.accessKeyId]);
    expect(await domain.journals.read(ref)).toBeUndefined();
    const succeeded = (await engine.events.read({ limit: 10_000 })).filter(
      (e) => e.account === owner && e.type === 'rotation.succeeded',
    );
    expect(succeeded).toHaveLength(1);
    const audit = await domain.audit.list({ account: owner, limit: 500 });
    for (const attempt of audit.filter((e) => e.outcome === 'attempted')) {
      expect(
        audit.some((e) => e.settles === attempt.id),
        attempt.action,
      ).toBe(true);
    }
    expect(await createUnsettledMutations(domain.redis, domain.keys).list(owner)).toEqual([]);
  }
  /** Secrets (old and new keys') found in any started worker's stdout or stderr. */
  const secretsInLogs = () => secretsIn(secrets);

  return {
    engine,
    domain,
    deadLetter,
    harness,
    oldKeys,
    expectRotated,
    secretsInLogs,
    sandbox: world.sandbox,
  };
}
