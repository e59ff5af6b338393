/**
 * Reads, validates and freezes configuration from an environment (and the optional JSON file it
 * names). A mistake becomes one line naming the environment variable, what is wrong and an
 * example; sensitive values are never echoed.
 */
import convict from 'convict';
import type { z } from 'zod';

import { checkFailpointSyntax } from '../failpoints.ts';
import { type ApiToken, parseApiTokens } from './api-tokens.ts';
import type { LogFormat } from './formats.ts';
import {
  ConfigError,
  type Env,
  parseDeployment,
  readConfigFile,
  redisClusterSchema,
  redisSentinelSchema,
} from './config-file.ts';
import { CONFIG_FILE_ENV, SETTINGS, type SettingName } from './schema.ts';

export { ConfigError } from './config-file.ts';

export interface AppConfig {
  configFile: string | undefined;
  redis: {
    url: string;
    prefix: string;
    /** IAM_PAM_MIN_REPLICAS: replicas every fenced write waits for (loadConfig always sets it). */
    minReplicas?: number;
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
    /** IAM_PAM_KEY_DRAIN_TIMEOUT_S (loadConfig always sets it; default 45). */
    keyDrainTimeoutS?: number;
  };
  failpoints: readonly string[];
  log: { level: string; format: LogFormat };
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
  const failpointProblem = checkFailpointSyntax(failpoints);
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
      minReplicas: s.minReplicas as number,
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
      keyDrainTimeoutS: s.keyDrainTimeoutS as number,
    },
    failpoints,
    log: { level: s.logLevel as string, format: s.logFormat as LogFormat },
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
