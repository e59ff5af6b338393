/**
 * pino, with every secret-bearing field redacted at any depth. Path-based redaction misses
 * arrays and deep nesting, so the log formatter walks each record and censors by key name.
 */
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';

import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

import type { LogFormat } from './config/formats.ts';

export type { Logger } from 'pino';

export const REDACTED = '[Redacted]';

/** Keys whose values are secrets wherever they appear (compared case-insensitively). */
const SECRET_KEY =
  /secret|password|passwd|masterkey|master_key|authorization|cookie|plaintext|^(x-amz-security-)?token$|tokens?$|^iam_pam_api_tokens$/i;
/** Keys that match the pattern but hold no secret. */
const NOT_SECRET = new Set(['fencingtoken', 'tokenname', 'secretknown', 'hassecret']);

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.has(key.toLowerCase());
}

const MAX_DEPTH = 8;

/** Secret-bearing keys at the top three levels, for pino's path redaction of child bindings. */
const BINDING_KEYS = [
  'password',
  'Password',
  'NewPassword',
  'secret',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'token',
  'apiTokens',
  'masterKey',
  'masterKeyPrevious',
  'authorization',
  'Authorization',
  'adoptSecret',
  'cookie',
];
const BINDING_PATHS = BINDING_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Returns a copy of `value` with every secret-bearing key censored. Errors become plain objects. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (depth > MAX_DEPTH) {
    // Too deep to check: say so rather than let a nested secret through.
    return '[Too deep to log]';
  }
  if (value instanceof Error) {
    return scrubSecrets(pino.stdSerializers.err(value), depth);
  }
  if (Array.isArray(value)) {
    return value.map((item) => scrubSecrets(item, depth + 1));
  }
  if (value instanceof Date || Buffer.isBuffer(value)) {
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      isSecretKey(key) && inner !== undefined && inner !== null
        ? REDACTED
        : scrubSecrets(inner, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level: string;
  /** `stdout` for the long-running `api` and `worker`; `stderr` for every other command. */
  stream: 'stdout' | 'stderr';
  /** The process role in every line (`api`, `worker`, `cli`, …). */
  service?: string;
  /** LOG_FORMAT: `json` (default) or `pretty`, readable lines for a terminal. */
  format?: LogFormat;
  /** For tests: write here instead of the process stream. */
  destination?: DestinationStream;
}

/**
 * pino-pretty as a synchronous stream in this process rather than a transport's worker thread:
 * no thread to start, and no line lost when a command exits right after logging. Loaded only
 * when asked for.
 */
function prettyStream(fd: 1 | 2, destination: DestinationStream | undefined): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({
    destination: destination ?? fd,
    sync: true,
    colorize: destination === undefined && isatty(fd),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const fd = options.stream === 'stdout' ? 1 : 2;
  const destination =
    options.format === 'pretty'
      ? prettyStream(fd, options.destination)
      : (options.destination ?? pino.destination({ fd, sync: true }));
  return pino(
    {
      level: options.level,
      base: { service: options.service ?? 'iam-pam', pid: process.pid },
      formatters: { log: (record) => scrubSecrets(record) as Record<string, unknown> },
      // Child loggers' bindings bypass the formatter: path redaction covers them.
      redact: { paths: BINDING_PATHS, censor: REDACTED },
    },
    destination,
  );
}
