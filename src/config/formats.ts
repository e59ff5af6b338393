/**
 * Strict value formats for configuration. convict coerces leniently ("80x" becomes port 80);
 * these keep a malformed string as it is, so `check` rejects it with a message of ours.
 */
import { AWS_REGION } from '../identifiers.ts';

/** A format: how to read a string and what is wrong with it, if anything. */
export interface ConfigFormat {
  /** Turns a raw value into T, or returns it unchanged when it cannot be read. */
  coerce(raw: unknown): unknown;
  /** Returns what is wrong with the value, or undefined when it is valid. */
  check(value: unknown): string | undefined;
  /** A valid value, shown in the error line. */
  example: string;
}

const INTEGER = /^(0|[1-9][0-9]*)$/;

function integerFormat(min: number, max: number, example: string): ConfigFormat {
  return {
    coerce: (raw) =>
      typeof raw === 'string' && INTEGER.test(raw.trim()) ? Number(raw.trim()) : raw,
    check: (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
        ? undefined
        : `must be a whole number from ${min} to ${max}`,
    example,
  };
}

export const portFormat = integerFormat(0, 65535, '8080');
export const positiveIntFormat = (max: number, example: string) => integerFormat(1, max, example);
export const millisecondsFormat = integerFormat(200, 86_400_000, '30000');
export const secondsFormat = integerFormat(0, 86_400, '30');
export const replicaCountFormat = integerFormat(0, 100, '1');

export const workerPortFormat: ConfigFormat = {
  coerce: (raw) => (raw === 'auto' ? 'auto' : portFormat.coerce(raw)),
  check: (value) =>
    value === 'auto'
      ? undefined
      : portFormat.check(value) && 'must be a port number (0 = off) or "auto"',
  example: '9464',
};

export const redisUrlFormat: ConfigFormat = {
  coerce: (raw) => raw,
  check: (value) => {
    if (typeof value !== 'string') {
      return 'must be a redis:// or rediss:// URL';
    }
    try {
      const url = new URL(value);
      return url.protocol === 'redis:' || url.protocol === 'rediss:'
        ? undefined
        : 'must be a redis:// or rediss:// URL';
    } catch {
      return 'must be a redis:// or rediss:// URL';
    }
  },
  example: 'redis://127.0.0.1:6379',
};

export const httpUrlFormat: ConfigFormat = {
  coerce: (raw) => (raw === '' ? undefined : raw),
  check: (value) => {
    if (value === undefined) {
      return undefined;
    }
    try {
      const url = new URL(typeof value === 'string' ? value : '');
      return url.protocol === 'http:' || url.protocol === 'https:'
        ? undefined
        : 'must be an http:// or https:// URL';
    } catch {
      return 'must be an http:// or https:// URL';
    }
  },
  example: 'http://127.0.0.1:5000',
};

export const prefixFormat: ConfigFormat = {
  coerce: (raw) => raw,
  check: (value) =>
    typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value)
      ? undefined
      : 'must be 1-64 letters, digits, "_", "." or "-" (no braces or colons)',
  example: 'iam-pam',
};

export const hostFormat: ConfigFormat = {
  coerce: (raw) => raw,
  check: (value) =>
    typeof value === 'string' && /^[A-Za-z0-9.:-]{1,253}$/.test(value)
      ? undefined
      : 'must be a host name or IP address',
  example: '127.0.0.1',
};

export const regionFormat: ConfigFormat = {
  coerce: (raw) => (raw === '' ? undefined : raw),
  check: (value) =>
    value === undefined || (typeof value === 'string' && AWS_REGION.test(value))
      ? undefined
      : 'must be an AWS region name',
  example: 'us-east-1',
};

export const logLevelFormat: ConfigFormat = {
  coerce: (raw) => raw,
  check: (value) =>
    typeof value === 'string' &&
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(value)
      ? undefined
      : 'must be one of fatal, error, warn, info, debug, trace, silent',
  example: 'info',
};

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const logFormatFormat: ConfigFormat = {
  coerce: (raw) => raw,
  check: (value) =>
    typeof value === 'string' && (LOG_FORMATS as readonly string[]).includes(value)
      ? undefined
      : `must be one of ${LOG_FORMATS.join(', ')}`,
  example: 'pretty',
};

/** Base64 of exactly 32 bytes: an AES-256 key. */
export const masterKeyFormat: ConfigFormat = {
  coerce: (raw) => (raw === '' ? undefined : raw),
  check: (value) => {
    if (value === undefined) {
      return undefined;
    }
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(value)) {
      return 'must be base64 of 32 random bytes (44 characters); create one with `iam-pam keygen`';
    }
    return undefined;
  },
  example: '<output of iam-pam keygen>',
};
