/**
 * One discovery job's progress in Redis, written as each page and each user finishes, so a
 * worker that takes over a killed one's job resumes there: the ListUsers marker it reached,
 * the users listed whose keys are not (`pending`), and the users done (`users`). Nothing
 * finished is fetched again; only calls in flight at the kill are. A run is the job's own
 * (keyed by job id): a new job starts afresh, and abandoned runs expire.
 */
import type { Keys } from '../keys.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { defineScript, runScript } from '../queue/run-script.ts';
import { decodeUser, type DiscoveredUser, encodeUser, userField } from './discovered-user.ts';

/** A run nobody finished (its job failed for good) is dropped this long after its last write. */
const RUN_TTL_SECONDS = 7 * 86_400;

// KEYS[1] users done, KEYS[2] pending; ARGV[1] field, ARGV[2] encoded user, ARGV[3] TTL s.
// One command per user rather than a MULTI: an ioredis pipeline copies every script the
// connection knows (BullMQ's, about a hundred) onto itself, kilobytes per user of a discovery.
const RECORD_USER = defineScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`);

export interface RunProgress {
  /** The marker of the next ListUsers page; undefined before the first page and after the last. */
  marker: string | undefined;
  pagesDone: number;
  /** True once the last ListUsers page is recorded. */
  listingDone: boolean;
  /** Users listed whose keys are not listed yet (all of them again after a takeover). */
  pending: DiscoveredUser[];
  usersDone: number;
  startedAt: string;
}

export interface DiscoveryRun {
  /** Where the run stands: a fresh one, or the one a killed worker left. */
  load(): Promise<RunProgress & { resumed: boolean }>;
  /** A ListUsers page: its users become pending and the marker moves on, in one transaction. */
  recordPage(page: { users: DiscoveredUser[]; nextMarker: string | undefined }): Promise<void>;
  /** A user whose keys are listed. */
  recordUser(user: DiscoveredUser): Promise<void>;
  /** A pending user IAM no longer knows (deleted meanwhile). */
  dropUser(userName: string): Promise<void>;
  /** Every user done, by lower-cased name. */
  users(): Promise<Map<string, DiscoveredUser>>;
  /** The Redis key of the users done (it becomes the snapshot: RENAME, no copy). */
  readonly usersKey: string;
  /** Forgets the run. */
  remove(): Promise<void>;
}

export function openDiscoveryRun(deps: {
  redis: RedisConnection;
  keys: Keys;
  provider: string;
  jobId: string;
}): DiscoveryRun {
  const { redis } = deps;
  const key = (part: 'state' | 'pending' | 'users') =>
    deps.keys.discoveryRun(deps.provider, deps.jobId, part);
  const state = key('state');
  const pending = key('pending');
  const users = key('users');
  const all = [state, pending, users];
  let pagesDone = 0;

  return {
    usersKey: users,
    async load() {
      const [stored, pendingEntries, done] = await Promise.all([
        redis.hgetall(state),
        redis.hgetall(pending),
        redis.hkeys(users),
      ]);
      const resumed = stored.startedAt !== undefined;
      const startedAt = stored.startedAt ?? new Date().toISOString();
      if (!resumed) {
        await redis.multi().hset(state, { startedAt }).expire(state, RUN_TTL_SECONDS).exec();
      }
      pagesDone = Number(stored.pagesDone ?? 0);
      const doneFields = new Set(done);
      return {
        resumed,
        startedAt,
        marker: stored.marker === '' ? undefined : stored.marker,
        pagesDone,
        listingDone: stored.listingDone === '1',
        // A user recorded done just before a kill may still be pending: it is done.
        pending: Object.entries(pendingEntries)
          .filter(([field]) => !doneFields.has(field))
          .map(([, text]) => decodeUser(text)),
        usersDone: done.length,
      };
    },
    async recordPage({ users: listed, nextMarker }) {
      pagesDone += 1;
      const tx = redis.multi();
      if (listed.length > 0) {
        tx.hset(
          pending,
          Object.fromEntries(listed.map((u) => [userField(u.userName), encodeUser(u)])),
        );
      }
      tx.hset(state, {
        marker: nextMarker ?? '',
        pagesDone,
        listingDone: nextMarker === undefined ? '1' : '0',
      });
      for (const k of all) {
        tx.expire(k, RUN_TTL_SECONDS);
      }
      await tx.exec();
    },
    async recordUser(user) {
      await runScript(
        redis,
        RECORD_USER,
        [users, pending],
        [userField(user.userName), encodeUser(user), RUN_TTL_SECONDS],
      );
    },
    async dropUser(userName) {
      await redis.hdel(pending, userField(userName));
    },
    async users() {
      const entries = await redis.hgetall(users);
      return new Map(Object.entries(entries).map(([field, text]) => [field, decodeUser(text)]));
    },
    async remove() {
      await redis.del(...all);
    },
  };
}
