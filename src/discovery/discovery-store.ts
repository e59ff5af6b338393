/**
 * Discovery results in Redis: per provider the summary of its last discovery (what
 * `GET /v1/providers/{id}/discovery` shows, complete or partial), and per provider and path
 * prefix the last complete snapshot with when it was taken: the baseline of the next diff. A
 * partial discovery never becomes a baseline (DESIGN.md invariant 6).
 */
import type { Keys } from '../keys.ts';
import type { RedisConnection } from '../queue/redis-connections.ts';
import { decodeUser, type DiscoveredUser } from './discovered-user.ts';
import type { DiscoveryDiff } from './snapshot-diff.ts';

/** What a discovery found: the job result, the event and the HTTP route all show it. */
export interface DiscoverySummary {
  provider: string;
  jobId: string;
  pathPrefix: string;
  startedAt: string;
  /** When it finished (ISO). */
  at: string;
  durationMs: number;
  users: number;
  accessKeys: number;
  /** Keys that are a managed account's key. */
  managedAccessKeys: number;
  /** Creation date of the oldest managed key (AWS's CreateDate), if any. */
  oldestManagedKeyCreatedAt?: string | undefined;
  /** True when the listing was cut short: `removed` is then empty, whatever is missing. */
  partial: boolean;
  /** Why a partial discovery stopped: an IAM error code, or `deadline`. */
  incomplete?: { reason: string; message: string } | undefined;
  /** No complete snapshot under this path prefix before: every user is `added`. */
  first: boolean;
  /** The snapshot the diff is against. */
  baseline?: { jobId: string; at: string } | undefined;
  diff: DiscoveryDiff;
  /** IAM requests sent by this job (retries included). */
  calls: Record<string, number>;
}

export interface Baseline {
  jobId: string;
  at: string;
  users: Map<string, DiscoveredUser>;
}

export interface DiscoveryStore {
  last(provider: string): Promise<DiscoverySummary | undefined>;
  /** The last discovery of each of these providers (metrics). */
  lastOf(providers: readonly string[]): Promise<DiscoverySummary[]>;
  baseline(provider: string, pathPrefix: string): Promise<Baseline | undefined>;
  /**
   * Records a discovery. A complete one also becomes the baseline: the run's `usersKey` is
   * renamed to the snapshot, in the same transaction as the summary.
   */
  record(summary: DiscoverySummary, completeRun?: { usersKey: string }): Promise<void>;
}

export function createDiscoveryStore(deps: { redis: RedisConnection; keys: Keys }): DiscoveryStore {
  const { redis, keys } = deps;
  const parse = (json: string | null) =>
    json === null ? undefined : (JSON.parse(json) as DiscoverySummary);
  return {
    async last(provider) {
      return parse(await redis.get(keys.discoveryLast(provider)));
    },
    async lastOf(providers) {
      const all = await Promise.all(providers.map((p) => redis.get(keys.discoveryLast(p))));
      return all.map(parse).filter((s): s is DiscoverySummary => s !== undefined);
    },
    async baseline(provider, pathPrefix) {
      const [meta, entries] = await Promise.all([
        redis.get(keys.discoveryBaseline(provider, pathPrefix)),
        redis.hgetall(keys.discoverySnapshot(provider, pathPrefix)),
      ]);
      if (meta === null) {
        return undefined;
      }
      const { jobId, at } = JSON.parse(meta) as { jobId: string; at: string };
      return {
        jobId,
        at,
        users: new Map(Object.entries(entries).map(([field, text]) => [field, decodeUser(text)])),
      };
    },
    async record(summary, completeRun) {
      const { provider, pathPrefix } = summary;
      const tx = redis.multi().set(keys.discoveryLast(provider), JSON.stringify(summary));
      if (completeRun !== undefined) {
        const snapshot = keys.discoverySnapshot(provider, pathPrefix);
        // RENAME fails on a missing key: a discovery that found nobody leaves no hash.
        tx.del(snapshot);
        if (summary.users > 0) {
          tx.rename(completeRun.usersKey, snapshot);
        }
        tx.set(
          keys.discoveryBaseline(provider, pathPrefix),
          JSON.stringify({
            jobId: summary.jobId,
            at: summary.at,
            users: summary.users,
            accessKeys: summary.accessKeys,
          }),
        );
      }
      const results = (await tx.exec()) ?? [];
      const failed = results.find(([err]) => err !== null);
      if (failed?.[0]) {
        throw failed[0];
      }
    },
  };
}
