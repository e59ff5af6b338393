/**
 * The listing of a discovery: one lane follows ListUsers' markers page after page while
 * `inFlight` lanes list the keys (and, when asked, the login profile) of the users already
 * listed, so the provider's budget stays busy rather than waiting on one call at a time.
 * Every page and every user is recorded as it finishes (the caller's `record*`), which is what
 * a successor resumes from. The first read that fails for good (or the deadline) stops every
 * lane: no new call is made, and the listing reports itself incomplete.
 *
 * The next page is fetched only once fewer than `queuedUsers` listed users wait for their keys,
 * so a worker holds about two pages of users whatever the account's size, not every user of it
 * (10,000 users fetched in the first seconds, each page parsed while the previous ones' garbage
 * was still young, made most of a discovery's memory peak). A page is one call, and the lanes
 * need seconds to work through a page's users: they never wait for it.
 */
import type { DiscoveredUser } from '../../discovery/discovered-user.ts';
import type { IamGateway, IamUser } from '../../iam/iam-gateway.ts';
import { ReadFailed, type ReadRetryPolicy, readWithRetries } from './read-with-retries.ts';

/** IAM's largest page: the fewest ListUsers calls. */
const USERS_PER_PAGE = 1000;

export interface ListingProgress {
  pagesDone: number;
  usersListed: number;
  usersDone: number;
  listingDone: boolean;
}

export interface ListingInput {
  gateway: IamGateway;
  pathPrefix: string;
  /** Key listings in flight at once. */
  inFlight: number;
  /** The next ListUsers page waits while this many listed users wait for their keys; default a page. */
  queuedUsers?: number;
  /** Awaited before each request (the pacer); default none. */
  pace?: () => Promise<void>;
  loginProfiles: boolean;
  /** Whether a key is a managed account's key. */
  isManaged: (userName: string, accessKeyId: string) => boolean;
  retry: ReadRetryPolicy;
  signal: AbortSignal;
  /** ms since the epoch; nothing new is sent after it. */
  deadlineAt: number;
  /** Where a run stands (fresh, or as a killed worker left it). */
  from: {
    marker: string | undefined;
    pagesDone: number;
    listingDone: boolean;
    pending: DiscoveredUser[];
    usersDone: number;
  };
  recordPage(page: { users: DiscoveredUser[]; nextMarker: string | undefined }): Promise<void>;
  recordUser(user: DiscoveredUser): Promise<void>;
  dropUser(userName: string): Promise<void>;
  onProgress(progress: ListingProgress): void;
}

export interface ListingOutcome {
  /** Set when the listing stopped early: the IAM error code, or `deadline`. */
  incomplete?: { reason: string; message: string };
  /** Users IAM no longer knew when their keys were listed (deleted meanwhile). */
  gone: string[];
  /** Requests sent, by action (retries included). */
  calls: Record<string, number>;
}

function toDiscovered(user: IamUser): DiscoveredUser {
  return {
    userName: user.userName,
    userId: user.userId,
    path: user.path,
    createdAt: user.createdAt.toISOString(),
    accessKeys: [],
  };
}

/** Resolves waiters when work arrives or the listing ends. */
function createSignal() {
  let waiters: Array<() => void> = [];
  return {
    wait: () => new Promise<void>((resolve) => waiters.push(resolve)),
    notify() {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) {
        wake();
      }
    },
  };
}

export async function listUsersAndKeys(input: ListingInput): Promise<ListingOutcome> {
  const { gateway } = input;
  const queue = [...input.from.pending];
  const progress: ListingProgress = {
    pagesDone: input.from.pagesDone,
    usersListed: input.from.usersDone + queue.length,
    usersDone: input.from.usersDone,
    listingDone: input.from.listingDone,
  };
  let marker = input.from.marker;
  let listingEnded = progress.listingDone;
  let stopped: ListingOutcome['incomplete'];
  let crashed: { error: unknown } | undefined;
  const gone: string[] = [];
  const calls: Record<string, number> = {};
  const work = createSignal();
  /** Wakes the ListUsers lane when the queue runs low. */
  const room = createSignal();
  const queuedUsers = input.queuedUsers ?? USERS_PER_PAGE;

  const pace = input.pace ?? (async () => undefined);
  const read = <T>(action: string, what: string, call: () => Promise<T>) =>
    readWithRetries(what, () => pace().then(call), {
      policy: input.retry,
      signal: input.signal,
      onAttempt: () => {
        calls[action] = (calls[action] ?? 0) + 1;
      },
    });
  /** False once the listing must stop; the first reason wins. */
  const mayGoOn = () => {
    if (stopped === undefined && Date.now() >= input.deadlineAt) {
      stopped = { reason: 'deadline', message: 'the job’s time ran out before the listing ended' };
    }
    return stopped === undefined && crashed === undefined;
  };
  /** A read that failed for good ends the listing; anything else (Redis) ends the run. */
  const halt = (err: unknown) => {
    if (err instanceof ReadFailed) {
      stopped ??= { reason: err.reason, message: err.message };
    } else {
      crashed ??= { error: err };
    }
    work.notify();
    room.notify();
  };

  async function listUsers(): Promise<void> {
    while (!progress.listingDone && mayGoOn()) {
      if (queue.length >= queuedUsers) {
        await room.wait();
        continue;
      }
      const page = await read('ListUsers', `ListUsers page ${progress.pagesDone + 1}`, () =>
        gateway.listUsersPage({ pathPrefix: input.pathPrefix, marker, maxItems: USERS_PER_PAGE }),
      );
      const users = page.users.map(toDiscovered);
      await input.recordPage({ users, nextMarker: page.marker });
      marker = page.marker;
      progress.pagesDone += 1;
      progress.usersListed += users.length;
      progress.listingDone = marker === undefined;
      queue.push(...users);
      input.onProgress({ ...progress });
      work.notify();
    }
  }

  async function listKeysOf(user: DiscoveredUser): Promise<DiscoveredUser | 'gone'> {
    try {
      const keys = await read('ListAccessKeys', `ListAccessKeys of ${user.userName}`, () =>
        gateway.listAccessKeys(user.userName),
      );
      const hasLoginProfile = input.loginProfiles
        ? (await read('GetLoginProfile', `GetLoginProfile of ${user.userName}`, () =>
            gateway.getLoginProfile(user.userName),
          )) !== undefined
        : undefined;
      return {
        ...user,
        accessKeys: keys.map((key) => ({
          accessKeyId: key.accessKeyId,
          status: key.status,
          createdAt: key.createdAt?.toISOString(),
          managed: input.isManaged(user.userName, key.accessKeyId),
        })),
        ...(hasLoginProfile === undefined ? {} : { hasLoginProfile }),
      };
    } catch (err) {
      // Deleted since ListUsers saw it: an answer about the user, not a failed read.
      if (err instanceof ReadFailed && err.reason === 'user_missing') {
        return 'gone';
      }
      throw err;
    }
  }

  async function listKeys(): Promise<void> {
    while (mayGoOn()) {
      const user = queue.shift();
      if (queue.length < queuedUsers) {
        room.notify();
      }
      if (user === undefined) {
        if (listingEnded) {
          return;
        }
        await work.wait();
        continue;
      }
      const listed = await listKeysOf(user);
      if (listed === 'gone') {
        gone.push(user.userName);
        await input.dropUser(user.userName);
      } else {
        await input.recordUser(listed);
      }
      progress.usersDone += 1;
      input.onProgress({ ...progress });
    }
  }

  const users = listUsers()
    .catch(halt)
    .finally(() => {
      listingEnded = true;
      work.notify();
    });
  const lanes = Array.from({ length: Math.max(1, input.inFlight) }, () =>
    // A lane that stops (the deadline) must not leave the ListUsers lane waiting for room.
    listKeys()
      .catch(halt)
      .finally(() => room.notify()),
  );
  await Promise.all([users, ...lanes]);
  if (crashed !== undefined) {
    throw crashed.error;
  }
  return { ...(stopped === undefined ? {} : { incomplete: stopped }), gone, calls };
}
