/**
 * Reads, validates and freezes configuration from an environment (and the optional JSON file it
 * names). A mistake becomes one line naming the environment variable, what is wrong and an
 * example; sensitive values are never echoed.
 */
import { readFileSync } from 'node:fs';

import convict from 'convict';
import { z } from 'zod';

import { PermanentError } from '../errors.ts';
import { checkFailpointNames } from '../failpoints.ts';
import { type ApiToken, parseApiTokens } from './api-tokens.ts';
import { CONFIG_FILE_ENV, REDIS_DEPLOYMENT_KEYS, SETTINGS, type SettingName } from './schema.ts';

const hostPort = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const redisClusterSchema = z.object({
  nodes: z.array(hostPort).min(1),
  options: z.record(z.string(), z.unknown()).optional(),
});
const redisSentinelSchema = z.object({
  sentinels: z.array(hostPort).min(1),
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
});

export interface AppConfig {
  configFile: string | undefined;
  redis: {
    url: string;
    prefix: string;
    cluster: z.infer<typeof redisClusterSchema> | undefined;
    sentinel: z.infer<typeof redisSentinelSchema> | undefined;
  };
  vault: { masterKey: string | undefined; masterKeyPrevious: string | undefined };
  http: { host: string; port: number; apiTokens: readonly ApiToken[] };
  worker: {
    httpPort: number | 'auto';
    concurrency: number;
    jobLockMs: number;
    shutdownTimeoutS: number;
  };
  iam: {
    defaultMaxRps: number;
    region: string | undefined;
    endpoint: string | undefined;
    iamEndpoint: string | undefined;
    stsEndpoint: string | undefined;
  };
  failpoints: readonly string[];
  log: { level: string };
}

/** A configuration mistake; its message is the one line the process prints before exit 2. */
export class ConfigError extends PermanentError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

type Env = Record<string, string | undefined>;

function readConfigFile(path: string): { values: Env; deployment: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : whereJsonBroke(err as Error);
    throw new ConfigError(
      `${CONFIG_FILE_ENV}: cannot read ${path} (${why}); e.g. ${CONFIG_FILE_ENV}=/etc/iam-pam/config.json`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(
      `${CONFIG_FILE_ENV}: ${path} must hold a JSON object, e.g. {"REDIS_URL":"redis://127.0.0.1:6379"}`,
    );
  }
  const known = new Set(Object.values(SETTINGS).map((s) => s.env));
  const values: Env = {};
  const deployment: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'redis' && typeof value === 'object' && value !== null) {
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
        deployment[`redis.${sub}`] = subValue;
      }
    } else if ((REDIS_DEPLOYMENT_KEYS as readonly string[]).includes(key)) {
      deployment[key] = value;
    } else if (known.has(key)) {
      values[key] = typeof value === 'string' ? value : JSON.stringify(value);
    } else {
      throw new ConfigError(
        `${CONFIG_FILE_ENV}: unknown setting "${key}" in ${path}; keys are the variable names, e.g. "IAM_PAM_HTTP_PORT"`,
      );
    }
  }
  for (const key of Object.keys(deployment)) {
    if (!(REDIS_DEPLOYMENT_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(
        `${CONFIG_FILE_ENV}: unknown setting "${key}" in ${path}; Redis deployments are "redis.cluster" or "redis.sentinel"`,
      );
    }
  }
  return { values, deployment };
}

function parseDeployment<T>(
  schema: z.ZodType<T>,
  key: string,
  value: unknown,
  example: string,
): T | undefined {
  if (value === undefined) {
    return undefined;
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(
      `${CONFIG_FILE_ENV}: "${key}" ${issue ? `at ${issue.path.join('.') || 'top'}: ${issue.message}` : 'is malformed'}; e.g. ${example}`,
    );
  }
  return result.data;
}

/** The convict schema of SETTINGS; each format is registered once, under the setting's name. */
const convictSchema = (() => {
  const schema: convict.Schema<Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(SETTINGS)) {
    const formatName = `iam-pam-${name}`;
    convict.addFormat({
      name: formatName,
      coerce: (raw: unknown) => spec.format.coerce(raw),
      validate: (value: unknown) => {
        const problem = spec.format.check(value);
        if (problem !== undefined) {
          throw new Error(problem);
        }
      },
    });
    schema[name] = {
      doc: spec.doc,
      format: formatName,
      default: spec.default,
      env: spec.env,
      sensitive: 'sensitive' in spec && spec.sensitive,
    };
  }
  return schema;
})();

/** Validates every setting strictly and returns the typed values by setting name. */
function readSettings(source: Env): Record<SettingName, unknown> {
  // Our own pass first: convict would name its path, not the variable, and echo the value.
  for (const spec of Object.values(SETTINGS)) {
    const raw = source[spec.env];
    if (raw === undefined) {
      continue;
    }
    const problem = spec.format.check(spec.format.coerce(raw));
    if (problem !== undefined) {
      const got =
        'sensitive' in spec && spec.sensitive
          ? ''
          : ` (got ${JSON.stringify(withoutUserInfo(raw))})`;
      throw new ConfigError(
        `${spec.env}: ${problem}${got}; e.g. ${spec.env}=${spec.format.example}`,
      );
    }
  }
  const config = convict(convictSchema, { env: source, args: [] });
  config.validate({ allowed: 'strict' });
  return config.getProperties();
}

/** Reads, validates and freezes configuration. Tests pass their own `env`. */
export function loadConfig(env: Env = process.env): AppConfig {
  const configFile = env[CONFIG_FILE_ENV] || undefined;
  const file =
    configFile === undefined ? { values: {}, deployment: {} } : readConfigFile(configFile);
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  const s = readSettings({ ...file.values, ...defined });

  let apiTokens: ApiToken[];
  try {
    apiTokens = parseApiTokens((s.apiTokens as string | undefined) ?? '');
  } catch (err) {
    throw new ConfigError(
      `IAM_PAM_API_TOKENS: ${(err as Error).message}; e.g. IAM_PAM_API_TOKENS=${SETTINGS.apiTokens.format.example}`,
    );
  }
  if (s.masterKeyPrevious !== undefined && s.masterKeyPrevious === s.masterKey) {
    throw new ConfigError(
      'IAM_PAM_MASTER_KEY_PREVIOUS: is the same key as IAM_PAM_MASTER_KEY; set it to the key being replaced, e.g. IAM_PAM_MASTER_KEY_PREVIOUS=<the old key>',
    );
  }
  const failpoints = ((s.failpoints as string | undefined) ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const failpointProblem = checkFailpointNames(failpoints);
  if (failpointProblem !== undefined) {
    throw new ConfigError(
      `IAM_PAM_FAILPOINTS: ${failpointProblem}; e.g. IAM_PAM_FAILPOINTS=rotation:after-intent`,
    );
  }

  const config: AppConfig = {
    configFile,
    redis: {
      url: s.redisUrl as string,
      prefix: s.prefix as string,
      cluster: parseDeployment(
        redisClusterSchema,
        'redis.cluster',
        file.deployment['redis.cluster'],
        '{"redis.cluster":{"nodes":[{"host":"10.0.0.1","port":6379}]}}',
      ),
      sentinel: parseDeployment(
        redisSentinelSchema,
        'redis.sentinel',
        file.deployment['redis.sentinel'],
        '{"redis.sentinel":{"name":"mymaster","sentinels":[{"host":"10.0.0.1","port":26379}]}}',
      ),
    },
    vault: {
      masterKey: s.masterKey as string | undefined,
      masterKeyPrevious: s.masterKeyPrevious as string | undefined,
    },
    http: { host: s.httpHost as string, port: s.httpPort as number, apiTokens },
    worker: {
      httpPort: s.workerHttpPort as number | 'auto',
      concurrency: s.concurrency as number,
      jobLockMs: s.jobLockMs as number,
      shutdownTimeoutS: s.shutdownTimeoutS as number,
    },
    iam: {
      defaultMaxRps: s.defaultMaxRps as number,
      region: s.awsRegion as string | undefined,
      endpoint: s.awsEndpointUrl as string | undefined,
      iamEndpoint: s.awsEndpointUrlIam as string | undefined,
      stsEndpoint: s.awsEndpointUrlSts as string | undefined,
    },
    failpoints,
    log: { level: s.logLevel as string },
  };
  return deepFreeze(config);
}

/** The master key, or the one-line error for commands that read or write secrets. */
export function requireMasterKey(config: AppConfig): string {
  if (config.vault.masterKey === undefined) {
    throw new ConfigError(
      'IAM_PAM_MASTER_KEY: missing; this command reads or writes secrets; e.g. IAM_PAM_MASTER_KEY=$(iam-pam keygen)',
    );
  }
  return config.vault.masterKey;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) {
      deepFreeze(inner);
    }
    Object.freeze(value);
  }
  return value;
}

/** A URL's user and password are credentials: never echo them. */
function withoutUserInfo(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}

/** Where a JSON file is broken, without the text around it (it may hold a key). */
function whereJsonBroke(err: Error): string {
  const at = /at position \d+(?: \(line \d+ column \d+\))?/.exec(err.message)?.[0];
  return at === undefined
    ? err instanceof SyntaxError
      ? 'not valid JSON'
      : err.message
    : `not valid JSON ${at}`;
}
