/** The step runner with fakes: order, resume, idempotent steps, fencing, failpoints, abandon. */
import { describe, expect, it } from 'vitest';

import type { AccountRef } from '../../../src/accounts/account-ref.ts';
import type { EventInput } from '../../../src/jobs/events.ts';
import type { IamGateway, Tag } from '../../../src/iam/iam-gateway.ts';
import type { RotationPorts } from '../../../src/jobs/rotate/rotation-kind.ts';
import {
  abandonRotation,
  failpointsOf,
  runRotation,
  type RotationRun,
} from '../../../src/jobs/rotate/step-runner.ts';
import { createLogger } from '../../../src/logger.ts';
import type { SecretStore } from '../../../src/vault/secret-store.ts';
import { createTestRotationKind, FIRST_TAG, SECOND_TAG } from '../../support/test-rotation-kind.ts';
import { createFakeJournal } from './fake-journal.ts';

const account: AccountRef = { provider: 'prod', userName: 'Alice', kind: 'access-key' };

/** A user's tags, and every mutation sent. */
function fakeTags() {
  const tags = new Map<string, string>();
  const mutations: string[] = [];
  const iam = {
    listUserTags: async (): Promise<Tag[]> => [...tags].map(([key, value]) => ({ key, value })),
    tagUser: async (_user: string, added: Tag[]) => {
      mutations.push(`tag ${added.map((t) => t.key).join(',')}`);
      for (const tag of added) {
        tags.set(tag.key, tag.value);
      }
      return { requestId: `req-${mutations.length}` };
    },
    untagUser: async (_user: string, keys: string[]) => {
      mutations.push(`untag ${keys.join(',')}`);
      keys.forEach((key) => tags.delete(key));
      return { requestId: `req-${mutations.length}` };
    },
  } as unknown as IamGateway;
  return { iam, tags, mutations };
}

function setup() {
  const journal = createFakeJournal();
  const iam = fakeTags();
  const events: EventInput[] = [];
  const hits: string[] = [];
  const cleared: string[] = [];
  const vault = {
    versionIdAt: async (owner: string) => (journal.pending.has(owner) ? 'v1' : undefined),
    clear: async (owner: string) => {
      cleared.push(owner);
      journal.pending.delete(owner);
    },
  } as unknown as SecretStore;
  const ports: RotationPorts = {
    iam: iam.iam,
    verifier: { verify: async () => ({ account: '1', arn: 'a', userId: 'u' }) },
    vault,
    vaultWrite: { actor: 'test' },
    now: () => new Date(),
    log: createLogger({ level: 'silent', stream: 'stderr' }),
    signal: new AbortController().signal,
  };
  let ids = 0;
  const run = (lease = 'lease-1', failAt?: string): RotationRun => ({
    account,
    reason: 'manual',
    jobId: 'j1',
    journals: journal.store,
    writer: { fence: { user: account, fencingToken: 1, value: lease }, actor: 'test' },
    ports,
    failpoints: {
      hit: (name) => {
        hits.push(name);
        if (name === failAt) {
          throw new Error(`killed at ${name}`);
        }
      },
    },
    emit: async (event) => {
      events.push(event);
      return '1-0';
    },
    progress: async () => undefined,
    attachState: () => undefined,
    newRotationId: () => `r${(ids += 1)}`,
  });
  return { journal, iam, events, hits, cleared, ports, run };
}

describe('the step runner', () => {
  it('runs the declared steps in order, journals each, hits each failpoint, closes the journal', async () => {
    const { journal, iam, events, hits, run } = setup();
    const kind = createTestRotationKind();
    const result = await runRotation(kind, run());
    expect(result).toMatchObject({
      account: 'prod/alice/access-key',
      rotationId: 'r1',
      tags: 2,
      steps: ['plan', 'tag_first', 'store_pending', 'tag_second'].map((step) => ({ step })),
    });
    expect(hits).toEqual(failpointsOf(kind));
    expect(hits.at(-1)).toBe('rotation:after-done');
    expect(iam.mutations).toEqual([`tag ${FIRST_TAG}`, `tag ${SECOND_TAG}`]);
    expect(events.map((e) => e.type)).toEqual(['rotation.started', 'rotation.succeeded']);
    const [closed] = await journal.store.history(account);
    expect(closed).toMatchObject({ outcome: 'succeeded', step: 'tag_second' });
    expect(closed?.steps[2]?.record).toEqual({ stored: true, pendingVersionId: 'v1' });
    expect(journal.pending.get('prod/alice/access-key')).toHaveProperty('secretAccessKey');
  });

  it('resumes at the first step not journaled, running none of the earlier ones again', async () => {
    const { journal, iam, events, hits, run } = setup();
    const kind = createTestRotationKind();
    await expect(runRotation(kind, run('lease-1', 'rotation:after-tag_first'))).rejects.toThrow(
      /killed at rotation:after-tag_first/,
    );
    expect(journal.open.get('prod/alice/access-key')?.step).toBe('tag_first');
    hits.length = 0;
    await runRotation(kind, run());
    expect(hits).toEqual(['store_pending', 'tag_second', 'done'].map((s) => `rotation:after-${s}`));
    expect(iam.mutations).toEqual([`tag ${FIRST_TAG}`, `tag ${SECOND_TAG}`]);
    // One rotation: started once, its id kept.
    expect(events.map((e) => e.type)).toEqual(['rotation.started', 'rotation.succeeded']);
    expect((await journal.store.history(account))[0]?.rotationId).toBe('r1');
  });

  it('a step run twice changes nothing the second time (a crash after its mutation, before its record)', async () => {
    const { journal, iam, ports } = setup();
    const kind = createTestRotationKind();
    const tagFirst = kind.steps[1];
    const writer = { fence: { user: account, fencingToken: 1, value: 'lease-1' }, actor: 'test' };
    const { journal: opened } = await journal.store.open(
      account,
      { rotationId: 'r1', reason: 'manual', jobId: 'j1' },
      writer,
    );
    const input = { account, journal: opened, reason: 'manual', resumedAt: opened.step };
    await tagFirst?.run(input, ports);
    const tagsAfterFirst = new Map(iam.tags);
    // The worker died here: the step runs again on the same journal.
    const second = await tagFirst?.run(input, ports);
    expect(iam.tags).toEqual(tagsAfterFirst);
    expect(iam.mutations).toEqual([`tag ${FIRST_TAG}`]);
    expect(second).toEqual({ record: { tagged: FIRST_TAG, alreadyTagged: true } });
    // Recording it twice changes the journal once.
    const step = { step: 'tag_first', at: 'now', ms: 1, record: second?.record ?? {} };
    const once = await journal.store.recordStep(opened, step, writer);
    expect(await journal.store.recordStep(once, { ...step, record: { other: 1 } }, writer)).toEqual(
      once,
    );
  });

  it('stops at the first refused write (lease_lost) and journals nothing for the lost run', async () => {
    const { journal, iam, run } = setup();
    journal.state.holder = 'someone-else';
    await expect(runRotation(createTestRotationKind(), run('lease-1'))).rejects.toMatchObject({
      code: 'lease_lost',
    });
    expect(journal.open.size).toBe(0);
    expect(iam.mutations).toEqual([]);
  });

  it('abandons an open journal through the kind hook, then closes it as abandoned', async () => {
    const { journal, iam, events, cleared, run } = setup();
    const kind = createTestRotationKind();
    await expect(
      runRotation(kind, run('lease-1', 'rotation:after-store_pending')),
    ).rejects.toThrow();
    const outcome = await abandonRotation(kind, run());
    expect(outcome).toEqual({ rotationId: 'r1', step: 'store_pending' });
    expect(iam.tags.size).toBe(0);
    expect(cleared).toEqual(['prod/alice/access-key']);
    expect(journal.open.size).toBe(0);
    expect((await journal.store.history(account))[0]).toMatchObject({ outcome: 'abandoned' });
    expect(events.at(-1)).toMatchObject({ type: 'rotation.abandoned' });
    expect(await abandonRotation(kind, run())).toBeUndefined();
  });
});
