/**
 * The engine's Prometheus metrics, on a registry of their own per process (no global
 * registry): jobs by queue, name and outcome, durations, attempts, IAM calls by action and
 * outcome, throttles, rate-budget waits, lease deferrals, the dead-letter depth, discoveries
 * and heartbeat verdicts.
 * Labels carry queue, job and provider names and IAM actions only.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a run ended: `retried` (attempts left), `failed` (for good), `deferred` (delayed, no attempt burnt). */
export type RunOutcome = 'completed' | 'retried' | 'failed' | 'deferred';

export interface EngineMetrics {
  registry: Registry;
  jobs: Counter<'queue' | 'name' | 'outcome'>;
  jobDuration: Histogram<'queue' | 'name' | 'outcome'>;
  jobAttempts: Histogram<'queue' | 'name'>;
  deadLettered: Counter<'queue' | 'name' | 'reason'>;
  iamCalls: Counter<'provider' | 'service' | 'action' | 'outcome'>;
  iamCallDuration: Histogram<'service' | 'action'>;
  throttles: Counter<'provider' | 'queue'>;
  budgetWait: Histogram<'provider'>;
  leaseDeferrals: Counter<'queue' | 'name'>;
  stalled: Counter<'queue'>;
  /** `outcome`: `complete` or `partial`. */
  discoveries: Counter<'provider' | 'outcome'>;
  discoveryDuration: Histogram<'provider' | 'outcome'>;
  heartbeats: Counter<'provider' | 'verdict'>;
}

export function createEngineMetrics(options: {
  registry?: Registry;
  /** Reads the dead-letter depth at scrape time. */
  deadLetterDepth?: () => Promise<number>;
}): EngineMetrics {
  const registry = options.registry ?? new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'iam_pam_' });
  const registers = [registry];
  const depth = options.deadLetterDepth;
  if (depth !== undefined) {
    new Gauge({
      name: 'iam_pam_dead_letter_depth',
      help: 'Entries in the dead-letter queue',
      registers,
      async collect() {
        this.set(await depth().catch(() => Number.NaN));
      },
    });
  }
  return {
    registry,
    jobs: new Counter({
      name: 'iam_pam_jobs_total',
      help: 'Job runs by queue, job name and outcome (completed, retried, failed, deferred)',
      labelNames: ['queue', 'name', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'iam_pam_job_duration_seconds',
      help: 'Duration of one job run',
      labelNames: ['queue', 'name', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
    jobAttempts: new Histogram({
      name: 'iam_pam_job_attempts',
      help: 'Attempts a job took, counted when it completed or failed for good',
      labelNames: ['queue', 'name'],
      buckets: [1, 2, 3, 5, 8, 13],
      registers,
    }),
    deadLettered: new Counter({
      name: 'iam_pam_dead_lettered_total',
      help: 'Jobs copied to the dead-letter queue by this process',
      labelNames: ['queue', 'name', 'reason'],
      registers,
    }),
    iamCalls: new Counter({
      name: 'iam_pam_iam_calls_total',
      help: 'HTTP requests to IAM/STS (SDK retries included) by action and outcome',
      labelNames: ['provider', 'service', 'action', 'outcome'],
      registers,
    }),
    iamCallDuration: new Histogram({
      name: 'iam_pam_iam_call_duration_seconds',
      help: 'Duration of one HTTP request to IAM/STS',
      labelNames: ['service', 'action'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    throttles: new Counter({
      name: 'iam_pam_throttles_total',
      help: "Jobs delayed because their provider was throttled (IAM's answer or its budget)",
      labelNames: ['provider', 'queue'],
      registers,
    }),
    budgetWait: new Histogram({
      name: 'iam_pam_rate_budget_wait_seconds',
      help: "Time a request waited for its slot in the provider's rate budget",
      labelNames: ['provider'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    leaseDeferrals: new Counter({
      name: 'iam_pam_lease_deferrals_total',
      help: 'Jobs delayed because another job held the lease on their IAM user',
      labelNames: ['queue', 'name'],
      registers,
    }),
    stalled: new Counter({
      name: 'iam_pam_stalled_jobs_total',
      help: 'Jobs this process found stalled (their worker died or froze) and put back',
      labelNames: ['queue'],
      registers,
    }),
    discoveries: new Counter({
      name: 'iam_pam_discoveries_total',
      help: 'Discoveries recorded by this process, complete or partial (cut short: no removals reported)',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    discoveryDuration: new Histogram({
      name: 'iam_pam_discovery_duration_seconds',
      help: 'Duration of a discovery, from its first call to its record (a takeover included)',
      labelNames: ['provider', 'outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 3600],
      registers,
    }),
    heartbeats: new Counter({
      name: 'iam_pam_heartbeats_total',
      help: 'Heartbeat verdicts by provider and verdict',
      labelNames: ['provider', 'verdict'],
      registers,
    }),
  };
}

/** What the discovery gauges read of each provider's last discovery. */
export interface DiscoveredCounts {
  provider: string;
  users: number;
  accessKeys: number;
  oldestManagedKeyCreatedAt?: string | undefined;
}

/**
 * Gauges read from Redis at scrape time, so every process reports the same figures whichever
 * ran the discovery: users and keys seen by each provider's last discovery, and the age of the
 * oldest managed key it saw (by AWS's CreateDate).
 */
export function registerDiscoveryGauges(
  registry: Registry,
  lastDiscoveries: () => Promise<DiscoveredCounts[]>,
): void {
  const registers = [registry];
  // One read per scrape, shared by the three gauges.
  let cached: { at: number; read: Promise<DiscoveredCounts[]> } | undefined;
  const read = () => {
    if (cached === undefined || Date.now() - cached.at > 1_000) {
      cached = { at: Date.now(), read: lastDiscoveries().catch(() => []) };
    }
    return cached.read;
  };
  const gauge = (name: string, help: string, value: (d: DiscoveredCounts) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['provider'],
      registers,
      async collect() {
        this.reset();
        for (const counts of await read()) {
          const v = value(counts);
          if (v !== undefined) {
            this.set({ provider: counts.provider }, v);
          }
        }
      },
    });
  gauge('iam_pam_discovery_users', "Users seen by the provider's last discovery", (d) => d.users);
  gauge(
    'iam_pam_discovery_access_keys',
    "Access keys seen by the provider's last discovery",
    (d) => d.accessKeys,
  );
  gauge(
    'iam_pam_oldest_managed_key_age_seconds',
    "Age (by AWS's CreateDate) of the oldest managed access key the provider's last discovery saw",
    (d) =>
      d.oldestManagedKeyCreatedAt === undefined
        ? undefined
        : (Date.now() - Date.parse(d.oldestManagedKeyCreatedAt)) / 1000,
  );
}

/** `ok`, `client_error` (4xx: throttling, denial, bad input), `server_error` or `network_error`. */
export function iamOutcomeOf(status: number | undefined): string {
  if (status === undefined) {
    return 'network_error';
  }
  if (status < 400) {
    return 'ok';
  }
  return status < 500 ? 'client_error' : 'server_error';
}
