/**
 * The demo's own configuration, whatever the caller's: its Redis under a prefix of its own, an
 * ephemeral master key, a read-only API token of its own, and a short job lock so that a killed
 * worker's job is taken over in seconds. Its worker processes get the same settings.
 */
import { randomBytes } from 'node:crypto';

import type { Env } from '../cli/cli-context.ts';
import { type AppConfig, loadConfig } from '../config/load-config.ts';

/** BullMQ's lock: a killed worker's job is taken over after about this long (default 30 s). */
const DEMO_JOB_LOCK_MS = 4_000;

export const READER_TOKEN_NAME = 'demo-reader';

export interface DemoSettings {
  prefix: string;
  config: AppConfig;
  /** The read-only API token (printed by design: throwaway, gone when the demo stops). */
  readerToken: string;
  /** The environment of its worker processes. */
  workerEnv: Record<string, string>;
}

/** The caller's settings stay out: the demo must not touch a real prefix, vault or AWS account. */
function withoutSettings(env: Env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !/^(IAM_PAM_|REDIS_URL$|AWS_|LOG_)/.test(name)) {
      kept[name] = value;
    }
  }
  return kept;
}

export function demoSettings(options: {
  env: Env;
  redisUrl: string;
  httpPort: number;
}): DemoSettings {
  const prefix = `iam-pam-demo-${randomBytes(3).toString('hex')}`;
  const readerToken = randomBytes(16).toString('hex');
  const shared = {
    REDIS_URL: options.redisUrl,
    IAM_PAM_PREFIX: prefix,
    IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64'),
    IAM_PAM_JOB_LOCK_MS: String(DEMO_JOB_LOCK_MS),
    IAM_PAM_SHUTDOWN_TIMEOUT_S: '5',
  };
  const config = loadConfig({
    ...shared,
    IAM_PAM_API_TOKENS: `${READER_TOKEN_NAME}:${readerToken}:read`,
    IAM_PAM_HTTP_HOST: '127.0.0.1',
    IAM_PAM_HTTP_PORT: String(options.httpPort),
    LOG_LEVEL: 'warn',
  });
  return {
    prefix,
    config,
    readerToken,
    workerEnv: {
      ...withoutSettings(options.env),
      ...shared,
      IAM_PAM_WORKER_HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  };
}
