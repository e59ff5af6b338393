/**
 * Runs a discovery: lists users and keys (resuming a run a stopped worker left), diffs the
 * result against the last complete snapshot, records it (a complete one becomes the next
 * baseline; a partial one never does, and reports no removal), applies `autoImport`, and
 * emits `discovery.completed`. A retry after the result was recorded lists nothing again.
 */
import type { AccountRef } from '../../accounts/account-ref.ts';
import type { AccountRecord } from '../../accounts/account-store.ts';
import type { DiscoveryRun } from '../../discovery/discovery-runs.ts';
import type { DiscoveryStore, DiscoverySummary } from '../../discovery/discovery-store.ts';
import { userField } from '../../discovery/discovered-user.ts';
import { diffSnapshots, type DiscoveryDiff } from '../../discovery/snapshot-diff.ts';
import { withAbortSignal } from '../../iam/abortable-gateway.ts';
import type { IamGateway } from '../../iam/iam-gateway.ts';
import type { ProviderStore } from '../../providers/provider-store.ts';
import type { JobContext, JobHandler } from '../define-job.ts';
import type { RequestRotation } from '../rotation-ports.ts';
import { autoImportAdded, type AutoImportOutcome } from './auto-import.ts';
import { discover } from './contract.ts';
import { listUsersAndKeys, type ListingProgress } from './list-users-and-keys.ts';
import { createPacer } from './pacer.ts';
import { DEFAULT_READ_RETRY, type ReadRetryPolicy } from './read-with-retries.ts';

export interface DiscoverDeps {
  providers: Pick<ProviderStore, 'require'>;
  gatewayFor(provider: string): IamGateway;
  /** The provider's requests/s: how many reads the listing keeps in flight. */
  budgetOf(provider: string): Promise<number>;
  store: DiscoveryStore;
  openRun(provider: string, jobId: string): DiscoveryRun;
  /** Each managed access-key account's current key: user (lower-cased) → key ids. */
  managedKeys(provider: string): Promise<ReadonlyMap<string, ReadonlySet<string>>>;
  /** `account add` for an access key, by `actor` (autoImport). */
  importAccount(account: AccountRef, actor: string): Promise<AccountRecord>;
  requestRotation: RequestRotation;
  /** Told of every discovery recorded (metrics). */
  observe?: (summary: DiscoverySummary) => void;
  retry?: ReadRetryPolicy;
  /** How long one run may list before it stops as partial; default the job's deadline less a minute. */
  runBudgetMs?: number;
}

/** Entries per diff list in the event; the job result and GET …/discovery have them all. */
const EVENT_DIFF_ENTRIES = 1_000;
const PROGRESS_EVERY_MS = 500;

/**
 * Key listings in flight: enough to keep the budget busy when calls are slow (at 500 req/s,
 * 63 calls of up to 125 ms each: AWS's own latency, or a busy host), while each one's booking
 * stays within an eighth of a second of the budget (a wait past its horizon would throttle).
 */
export function readsInFlight(rps: number): number {
  return Math.min(64, Math.max(2, Math.ceil(rps / 8)));
}

/**
 * Users listed ahead of their key listings before the next ListUsers page is fetched: two
 * seconds of the budget, and at least one full page (1,000 users), so a page (one call, under a
 * second even at IAM's full page) always arrives before the lanes run out of users, while the
 * worker holds a few thousand users at most, not the whole account.
 */
export function queuedUsersFor(rps: number): number {
  return Math.max(1000, Math.ceil(rps * 2));
}

function countsOf(diff: DiscoveryDiff) {
  return { added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length };
}

function cappedDiff(diff: DiscoveryDiff): { diff: DiscoveryDiff; truncated: boolean } {
  const cap = <T>(list: T[]) => list.slice(0, EVENT_DIFF_ENTRIES);
  return {
    diff: { added: cap(diff.added), removed: cap(diff.removed), changed: cap(diff.changed) },
    truncated: Object.values(countsOf(diff)).some((n) => n > EVENT_DIFF_ENTRIES),
  };
}

function progressReporter(ctx: JobContext) {
  let lastAt = 0;
  return (progress: ListingProgress) => {
    const now = Date.now();
    if (now - lastAt >= PROGRESS_EVERY_MS) {
      lastAt = now;
      ctx.progress({ ...progress }).catch((err: unknown) => {
        ctx.log.warn({ err }, 'could not record the discovery progress');
      });
    }
  };
}

async function runDiscovery(
  deps: DiscoverDeps,
  { provider, pathPrefix }: { provider: string; pathPrefix: string },
  ctx: JobContext,
  loginProfiles: boolean,
): Promise<DiscoverySummary> {
  const run = deps.openRun(provider, ctx.jobId);
  const from = await run.load();
  if (from.resumed) {
    ctx.log.info(
      { pagesDone: from.pagesDone, usersDone: from.usersDone, pending: from.pending.length },
      'resuming the discovery where a stopped run left it',
    );
  }
  const managed = await deps.managedKeys(provider);
  const report = progressReporter(ctx);
  const rps = await deps.budgetOf(provider);
  const listing = await listUsersAndKeys({
    gateway: withAbortSignal(deps.gatewayFor(provider), ctx.signal),
    pathPrefix,
    inFlight: readsInFlight(rps),
    queuedUsers: queuedUsersFor(rps),
    pace: createPacer(rps, ctx.signal),
    loginProfiles,
    isManaged: (userName, keyId) => managed.get(userField(userName))?.has(keyId) === true,
    retry: deps.retry ?? DEFAULT_READ_RETRY,
    signal: ctx.signal,
    deadlineAt: Date.now() + (deps.runBudgetMs ?? discover.timeoutMs - 60_000),
    from,
    recordPage: (page) => run.recordPage(page),
    recordUser: (user) => run.recordUser(user),
    dropUser: (userName) => run.dropUser(userName),
    onProgress: report,
  });
  const after = await run.users();
  const partial = listing.incomplete !== undefined;
  const baseline = await deps.store.baseline(provider, pathPrefix);
  const keys = [...after.values()].flatMap((user) => user.accessKeys);
  const managedKeys = keys.filter((key) => key.managed);
  const oldest = managedKeys
    .map((key) => key.createdAt)
    .filter((at): at is string => at !== undefined)
    .sort()[0];
  const at = new Date().toISOString();
  const summary: DiscoverySummary = {
    provider,
    jobId: ctx.jobId,
    pathPrefix,
    startedAt: from.startedAt,
    at,
    durationMs: Date.parse(at) - Date.parse(from.startedAt),
    users: after.size,
    accessKeys: keys.length,
    managedAccessKeys: managedKeys.length,
    ...(oldest === undefined ? {} : { oldestManagedKeyCreatedAt: oldest }),
    partial,
    ...(listing.incomplete === undefined ? {} : { incomplete: listing.incomplete }),
    first: baseline === undefined,
    ...(baseline === undefined ? {} : { baseline: { jobId: baseline.jobId, at: baseline.at } }),
    diff: diffSnapshots(baseline?.users, after, { partial }),
    calls: listing.calls,
  };
  await deps.store.record(summary, partial ? undefined : { usersKey: run.usersKey });
  await run.remove();
  return summary;
}

export function createDiscoverHandler(deps: DiscoverDeps): JobHandler<typeof discover> {
  return async ({ provider, pathPrefix = '/' }, ctx) => {
    const { policy } = await deps.providers.require(provider);
    const last = await deps.store.last(provider);
    // A retry after the result was recorded (then the import or the event failed).
    const summary =
      last?.jobId === ctx.jobId
        ? last
        : await runDiscovery(deps, { provider, pathPrefix }, ctx, policy.discoverLoginProfiles);
    deps.observe?.(summary);

    let autoImport: AutoImportOutcome | undefined;
    if (policy.autoImport !== 'off' && !summary.partial && !summary.first) {
      autoImport = await autoImportAdded(
        {
          importAccount: (account) => deps.importAccount(account, `job:discovery/${ctx.jobId}`),
          requestRotation: deps.requestRotation,
        },
        {
          provider,
          mode: policy.autoImport,
          userNames: summary.diff.added.map((entry) => entry.userName),
        },
      );
    }
    const counts = countsOf(summary.diff);
    const event = cappedDiff(summary.diff);
    await ctx.emit({
      type: 'discovery.completed',
      detail: {
        pathPrefix: summary.pathPrefix,
        users: summary.users,
        accessKeys: summary.accessKeys,
        managedAccessKeys: summary.managedAccessKeys,
        partial: summary.partial,
        first: summary.first,
        ...(summary.incomplete === undefined ? {} : { incomplete: summary.incomplete }),
        counts,
        diff: event.diff,
        ...(event.truncated ? { diffTruncated: true } : {}),
        ...(autoImport === undefined ? {} : { autoImport }),
      },
    });
    ctx.log.info(
      { users: summary.users, accessKeys: summary.accessKeys, partial: summary.partial, ...counts },
      'discovery recorded',
    );
    return {
      ...summary,
      counts,
      ...(autoImport === undefined ? {} : { autoImport }),
    };
  };
}
