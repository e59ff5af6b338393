/**
 * The optional JSON config file (`IAM_PAM_CONFIG`): its keys are the variable names, plus the
 * `redis.cluster` / `redis.sentinel` objects of those deployments. Errors name the variable and
 * never quote the file (it may hold a key).
 */
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { PermanentError } from '../errors.ts';
import { CONFIG_FILE_ENV, REDIS_DEPLOYMENT_KEYS, SETTINGS } from './schema.ts';

const hostPort = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
export const redisClusterSchema = z.object({
  nodes: z.array(hostPort).min(1),
  options: z.record(z.string(), z.unknown()).optional(),
});
export const redisSentinelSchema = z.object({
  sentinels: z.array(hostPort).min(1),
  name: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** A configuration mistake; its message is the one line the process prints before exit 2. */
export class ConfigError extends PermanentError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

export type Env = Record<string, string | undefined>;

export function readConfigFile(path: string): { values: Env; deployment: Record<string, unknown> } {
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

export function parseDeployment<T>(
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

/** Where a JSON file is broken, without the text around it (it may hold a key). */
function whereJsonBroke(err: Error): string {
  const at = /at position \d+(?: \(line \d+ column \d+\))?/.exec(err.message)?.[0];
  return at === undefined
    ? err instanceof SyntaxError
      ? 'not valid JSON'
      : err.message
    : `not valid JSON ${at}`;
}
