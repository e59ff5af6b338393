/**
 * The discovery's listing with a fake IAM: every page and every user's keys with a bounded
 * number of reads in flight; bounded retries; the first read failing for good (or the deadline)
 * stops every lane; a run resumes from what was recorded without reading it again.
 */
import { describe, expect, it } from 'vitest';

import type { DiscoveredUser } from '../../../src/discovery/discovered-user.ts';
import { PermanentError, TransientError } from '../../../src/errors.ts';
import type { IamGateway } from '../../../src/iam/iam-gateway.ts';
import {
  type ListingInput,
  listUsersAndKeys,
} from '../../../src/jobs/discover/list-users-and-keys.ts';
import { createFakeIam, type FakeIam, userMissing } from './fake-iam.ts';

function seeded(count: number): FakeIam {
  const iam = createFakeIam();
  for (let i = 0; i < count; i += 1) {
    const user = iam.addUser(`user-${String(i).padStart(4, '0')}`);
    if (i % 3 !== 0) {
      iam.addKey(user);
    }
  }
  return iam;
}

/** ListUsers pages of `pageSize` (the fake's MaxItems), and the in-flight high-water mark. */
function instrumented(iam: FakeIam, pageSize: number) {
  let inFlight = 0;
  let maxInFlight = 0;
  const gateway: IamGateway = new Proxy(iam.gateway, {
    get(target, method: keyof IamGateway) {
      if (method === 'listUsersPage') {
        return (options: Parameters<IamGateway['listUsersPage']>[0]) =>
          target.listUsersPage({ ...options, maxItems: pageSize });
      }
      if (method === 'listAccessKeys') {
        return async (userName: string) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          try {
            return await target.listAccessKeys(userName);
          } finally {
            inFlight -= 1;
          }
        };
      }
      return target[method];
    },
  });
  return { gateway, maxInFlight: () => maxInFlight };
}

function recorder() {
  const pages: Array<string | undefined> = [];
  const done = new Map<string, DiscoveredUser>();
  const dropped: string[] = [];
  return {
    pages,
    done,
    dropped,
    hooks: {
      recordPage: async (page: { users: DiscoveredUser[]; nextMarker: string | undefined }) => {
        pages.push(page.nextMarker);
      },
      recordUser: async (user: DiscoveredUser) => {
        done.set(user.userName, user);
      },
      dropUser: async (userName: string) => {
        dropped.push(userName);
      },
      onProgress: () => undefined,
    },
  };
}

function input(gateway: IamGateway, overrides: Partial<ListingInput> = {}): ListingInput {
  return {
    gateway,
    pathPrefix: '/',
    inFlight: 4,
    loginProfiles: false,
    isManaged: () => false,
    retry: { attempts: 3, baseDelayMs: 1 },
    signal: new AbortController().signal,
    deadlineAt: Date.now() + 60_000,
    from: { marker: undefined, pagesDone: 0, listingDone: false, pending: [], usersDone: 0 },
    recordPage: async () => undefined,
    recordUser: async () => undefined,
    dropUser: async () => undefined,
    onProgress: () => undefined,
    ...overrides,
  };
}

describe('listUsersAndKeys', () => {
  it('lists every user and key across pages, with at most `inFlight` key reads at once', async () => {
    const iam = seeded(95);
    const { gateway, maxInFlight } = instrumented(iam, 10);
    const rec = recorder();
    const outcome = await listUsersAndKeys(input(gateway, { ...rec.hooks, inFlight: 4 }));
    expect(outcome.incomplete).toBeUndefined();
    expect(rec.done.size).toBe(95);
    expect([...rec.done.values()].filter((u) => u.accessKeys.length === 1)).toHaveLength(63);
    expect(rec.pages).toHaveLength(10);
    expect(rec.pages.at(-1)).toBeUndefined();
    expect(outcome.calls).toEqual({ ListUsers: 10, ListAccessKeys: 95 });
    expect(maxInFlight()).toBe(4);
  });

  it('fetches the next page only when fewer than `queuedUsers` listed users wait for their keys', async () => {
    const iam = seeded(95);
    const { gateway } = instrumented(iam, 10);
    const rec = recorder();
    let mostWaiting = 0;
    const outcome = await listUsersAndKeys(
      input(gateway, {
        ...rec.hooks,
        inFlight: 2,
        queuedUsers: 15,
        onProgress: (p) => {
          mostWaiting = Math.max(mostWaiting, p.usersListed - p.usersDone);
        },
      }),
    );
    expect(outcome.incomplete).toBeUndefined();
    expect(rec.done.size).toBe(95);
    expect(outcome.calls).toEqual({ ListUsers: 10, ListAccessKeys: 95 });
    // A page is fetched at 14 queued at most (24 after it), plus the 2 being listed.
    expect(mostWaiting).toBeLessThanOrEqual(26);
    expect(mostWaiting).toBeGreaterThanOrEqual(15);
  });

  it('stops at its deadline while the next page waits for room, without hanging', async () => {
    const iam = seeded(95);
    const { gateway } = instrumented(iam, 10);
    const rec = recorder();
    const outcome = await listUsersAndKeys(
      input(gateway, { ...rec.hooks, inFlight: 1, queuedUsers: 10, deadlineAt: Date.now() + 30 }),
    );
    expect(outcome.incomplete?.reason).toBe('deadline');
    expect(rec.done.size).toBeLessThan(95);
    expect(outcome.calls.ListUsers).toBeLessThan(10);
  });

  it('retries a throttled read within its policy', async () => {
    const iam = seeded(5);
    iam.failNext('listAccessKeys', new TransientError('iam_throttled', 'Throttling'), 2);
    const rec = recorder();
    const outcome = await listUsersAndKeys(input(iam.gateway, { ...rec.hooks, inFlight: 1 }));
    expect(outcome.incomplete).toBeUndefined();
    expect(rec.done.size).toBe(5);
    expect(outcome.calls.ListAccessKeys).toBe(7);
  });

  it('stops every lane at the first read whose retries are spent, and says why', async () => {
    const iam = seeded(40);
    const { gateway } = instrumented(iam, 10);
    // Page 1 passes; every try at page 2 is throttled.
    const original = gateway.listUsersPage.bind(gateway);
    let pagesAsked = 0;
    const throttledAfterFirst = new Proxy(gateway, {
      get(target, method: keyof IamGateway) {
        if (method === 'listUsersPage') {
          return async (o: Parameters<IamGateway['listUsersPage']>[0]) => {
            pagesAsked += 1;
            if (o.marker !== undefined) {
              throw new TransientError('iam_throttled', 'Throttling: Rate exceeded');
            }
            return original(o);
          };
        }
        return target[method];
      },
    });
    const rec = recorder();
    const outcome = await listUsersAndKeys(input(throttledAfterFirst, { ...rec.hooks }));
    expect(outcome.incomplete).toMatchObject({
      reason: 'iam_throttled',
      message: expect.stringMatching(/ListUsers page 2: .*after 3 tries/),
    });
    expect(pagesAsked).toBe(4);
    expect(rec.pages).toHaveLength(1);
    expect(rec.done.size).toBeLessThanOrEqual(10);
  });

  it('drops a user deleted after ListUsers saw it, without calling the listing incomplete', async () => {
    const iam = seeded(6);
    iam.failNext('listAccessKeys', userMissing('user-0000'));
    const rec = recorder();
    const outcome = await listUsersAndKeys(input(iam.gateway, { ...rec.hooks, inFlight: 1 }));
    expect(outcome).toMatchObject({ gone: ['user-0000'] });
    expect(outcome.incomplete).toBeUndefined();
    expect(rec.dropped).toEqual(['user-0000']);
    expect(rec.done.size).toBe(5);
  });

  it('stops on a permanent refusal without retrying it', async () => {
    const iam = seeded(6);
    iam.failNext('listAccessKeys', new PermanentError('permission_denied', 'AccessDenied'));
    const outcome = await listUsersAndKeys(input(iam.gateway, { inFlight: 1 }));
    expect(outcome.incomplete).toMatchObject({ reason: 'permission_denied' });
    expect(outcome.calls.ListAccessKeys).toBe(1);
  });

  it('stops at its deadline and says so', async () => {
    const iam = seeded(6);
    const outcome = await listUsersAndKeys(input(iam.gateway, { deadlineAt: Date.now() - 1 }));
    expect(outcome).toMatchObject({ incomplete: { reason: 'deadline' }, calls: {} });
  });

  it('resumes from the recorded marker and pending users, reading nothing done again', async () => {
    const iam = seeded(30);
    const { gateway } = instrumented(iam, 10);
    const first = await iam.gateway.listUsersPage({ maxItems: 10 });
    const pending: DiscoveredUser[] = first.users.slice(6).map((u) => ({
      userName: u.userName,
      userId: u.userId,
      path: u.path,
      createdAt: u.createdAt.toISOString(),
      accessKeys: [],
    }));
    iam.calls.length = 0;
    const rec = recorder();
    const outcome = await listUsersAndKeys(
      input(gateway, {
        ...rec.hooks,
        from: { marker: first.marker, pagesDone: 1, listingDone: false, pending, usersDone: 6 },
      }),
    );
    expect(outcome.incomplete).toBeUndefined();
    expect(outcome.calls).toEqual({ ListUsers: 2, ListAccessKeys: 24 });
    expect([...rec.done.keys()].sort()[0]).toBe('user-0006');
  });

  it('ends the run (no partial result) when recording fails: the job retries and resumes', async () => {
    const iam = seeded(10);
    const outcome = listUsersAndKeys(
      input(iam.gateway, {
        recordUser: async () => {
          throw new Error('Connection is closed.');
        },
      }),
    );
    await expect(outcome).rejects.toThrow('Connection is closed.');
  });
});
