/** Every setting of CONTRACT.md's configuration table: its variable, format, default and meaning. */
import {
  type ConfigFormat,
  hostFormat,
  httpUrlFormat,
  logFormatFormat,
  logLevelFormat,
  masterKeyFormat,
  millisecondsFormat,
  portFormat,
  positiveIntFormat,
  prefixFormat,
  redisUrlFormat,
  regionFormat,
  replicaCountFormat,
  secondsFormat,
  workerPortFormat,
} from './formats.ts';

export interface SettingSpec {
  /** The environment variable (and config-file key) that sets it. */
  env: string;
  doc: string;
  format: ConfigFormat;
  default: unknown;
  /** Never echoed in errors nor printed. */
  sensitive?: boolean;
}

const textFormat = (example: string): ConfigFormat => ({
  coerce: (raw) => (raw === '' ? undefined : raw),
  check: (value) => (value === undefined || typeof value === 'string' ? undefined : 'must be text'),
  example,
});

export const SETTINGS = {
  redisUrl: {
    env: 'REDIS_URL',
    doc: 'Redis (or rediss://); cluster and sentinel through the config file',
    format: redisUrlFormat,
    default: 'redis://127.0.0.1:6379',
  },
  prefix: {
    env: 'IAM_PAM_PREFIX',
    doc: 'every key lives under {<prefix>}, one Redis Cluster hash slot',
    format: prefixFormat,
    default: 'iam-pam',
  },
  masterKey: {
    env: 'IAM_PAM_MASTER_KEY',
    doc: 'base64 of 32 random bytes; encrypts the vault',
    format: masterKeyFormat,
    default: undefined,
    sensitive: true,
  },
  masterKeyPrevious: {
    env: 'IAM_PAM_MASTER_KEY_PREVIOUS',
    doc: 'the key being replaced, during `vault rekey`',
    format: masterKeyFormat,
    default: undefined,
    sensitive: true,
  },
  apiTokens: {
    env: 'IAM_PAM_API_TOKENS',
    doc: 'comma-separated name:token:scope+scope entries; scopes enqueue, read, secrets, admin',
    format: textFormat('ci:0123456789abcdef0123:enqueue+read'),
    default: undefined,
    sensitive: true,
  },
  httpHost: {
    env: 'IAM_PAM_HTTP_HOST',
    doc: 'where `api` listens',
    format: hostFormat,
    default: '127.0.0.1',
  },
  httpPort: {
    env: 'IAM_PAM_HTTP_PORT',
    doc: 'where `api` listens',
    format: portFormat,
    default: 8080,
  },
  workerHttpPort: {
    env: 'IAM_PAM_WORKER_HTTP_PORT',
    doc: "each worker's own /metrics and /healthz (0 = off, auto = a free port, logged)",
    format: workerPortFormat,
    default: 9464,
  },
  defaultMaxRps: {
    env: 'IAM_PAM_DEFAULT_MAX_RPS',
    doc: 'IAM requests/s budget of a provider that sets none',
    format: positiveIntFormat(100_000, '10'),
    default: 10,
  },
  concurrency: {
    env: 'IAM_PAM_CONCURRENCY',
    doc: 'jobs one worker process runs at once, per queue',
    format: positiveIntFormat(1000, '16'),
    default: 16,
  },
  jobLockMs: {
    env: 'IAM_PAM_JOB_LOCK_MS',
    doc: "BullMQ lockDuration; a killed worker's job is taken over after about this long",
    format: millisecondsFormat,
    default: 30_000,
  },
  keyDrainTimeoutS: {
    env: 'IAM_PAM_KEY_DRAIN_TIMEOUT_S',
    doc: 'how long deactivating an access key waits for IAM calls still in flight signed with it (a provider rotating its own key), then goes ahead and says so',
    format: secondsFormat,
    default: 45,
  },
  shutdownTimeoutS: {
    env: 'IAM_PAM_SHUTDOWN_TIMEOUT_S',
    doc: 'how long SIGTERM waits for active jobs',
    format: secondsFormat,
    default: 30,
  },
  minReplicas: {
    env: 'IAM_PAM_MIN_REPLICAS',
    doc: 'replicas every fenced write (lease, journal, vault) waits for (WAIT); the replica count of a replicated Redis',
    format: replicaCountFormat,
    default: 0,
  },
  failpoints: {
    env: 'IAM_PAM_FAILPOINTS',
    doc: 'tests only: rotation:after-<step>[,...]; the process SIGKILLs itself there',
    format: textFormat('rotation:after-intent'),
    default: undefined,
  },
  awsRegion: {
    env: 'AWS_REGION',
    doc: 'standard AWS SDK variable; a provider region overrides it',
    format: regionFormat,
    default: undefined,
  },
  awsEndpointUrl: {
    env: 'AWS_ENDPOINT_URL',
    doc: 'standard AWS SDK variable (all services)',
    format: httpUrlFormat,
    default: undefined,
  },
  awsEndpointUrlIam: {
    env: 'AWS_ENDPOINT_URL_IAM',
    doc: "standard AWS SDK variable; a provider's own endpoint overrides it",
    format: httpUrlFormat,
    default: undefined,
  },
  awsEndpointUrlSts: {
    env: 'AWS_ENDPOINT_URL_STS',
    doc: "standard AWS SDK variable; a provider's own endpoint overrides it",
    format: httpUrlFormat,
    default: undefined,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    doc: 'pino level',
    format: logLevelFormat,
    default: 'info',
  },
  logFormat: {
    env: 'LOG_FORMAT',
    doc: 'json (one JSON object a line, for machines) or pretty (readable lines for a terminal, through pino-pretty)',
    format: logFormatFormat,
    default: 'json',
  },
} satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

/** The variable naming the optional JSON config file (it cannot be set from that file). */
export const CONFIG_FILE_ENV = 'IAM_PAM_CONFIG';

/** Keys a config file may hold besides the variables: Redis deployment objects. */
export const REDIS_DEPLOYMENT_KEYS = ['redis.cluster', 'redis.sentinel'] as const;
