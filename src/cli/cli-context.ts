/**
 * What every command gets: its environment, output streams, lazily loaded configuration and
 * logger. stdout carries only the command's output; logs and progress go to stderr.
 */
import { userInfo } from 'node:os';
import type { Writable } from 'node:stream';

import type { Redis } from 'ioredis';

import { type AppConfig, loadConfig } from '../config/load-config.ts';
import { createDomain, type Domain } from '../domain.ts';
import { createLogger, type Logger } from '../logger.ts';
import { checkRedis } from '../queue/check-redis.ts';
import { createRedisConnection } from '../queue/redis-connections.ts';

export type Env = Record<string, string | undefined>;

/** Signals and exit, for the long-running commands (`api`, `worker`); main.ts passes `process`. */
export type ProcessControl = Pick<NodeJS.Process, 'on' | 'off' | 'exit'>;

/** How to start this CLI again in a child process (`<command> <...args> worker`). */
export interface SelfCommand {
  command: string;
  args: string[];
}

export interface CliIo {
  env: Env;
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
  process?: ProcessControl;
  /** For commands that start iam-pam processes of their own (`demo`'s workers). */
  self?: SelfCommand;
}

export interface CliContext extends CliIo {
  /** Loaded on first use: `keygen` works whatever the configuration. */
  config(): AppConfig;
  /** A logger on stderr (`api` and `worker` make their own on stdout). */
  log(): Logger;
  /** Prints the command's result: one JSON line with `json`, else the text. */
  print(value: unknown, options: { json: boolean; text?: string }): void;
  /** Progress for people, on stderr; silent when stderr is not a terminal and `quiet`. */
  progress(message: string): void;
  /** Reads all of stdin (for secrets, which never go on the command line). */
  readStdin(): Promise<string>;
  /** Redis and the domain services, opened (and checked) on first use. */
  domain(): Promise<Domain>;
  /** The audit actor of this command: `cli:<os user>`. */
  actor: string;
  /** Runs `fn` when the command ends (connections to close). */
  onClose(fn: () => Promise<void> | void): void;
  /** Closes what the command opened. */
  close(): Promise<void>;
}

export function createCliContext(io: CliIo): CliContext {
  let config: AppConfig | undefined;
  let log: Logger | undefined;
  let domain: Promise<Domain> | undefined;
  const closers: Array<() => Promise<void> | void> = [];
  const context: CliContext = {
    ...io,
    config() {
      config ??= loadConfig(io.env);
      return config;
    },
    log() {
      log ??= createLogger({ ...context.config().log, stream: 'stderr', service: 'cli' });
      return log;
    },
    print(value, { json, text }) {
      io.stdout.write(json || text === undefined ? `${JSON.stringify(value)}\n` : `${text}\n`);
    },
    progress(message) {
      io.stderr.write(`${message}\n`);
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    domain() {
      domain ??= (async () => {
        const loaded = context.config();
        const connection = createRedisConnection(loaded.redis, 'cli', context.log());
        context.onClose(() => connection.disconnect());
        await checkRedis(connection, loaded.redis);
        // Cluster exposes the same commands the domain uses.
        const created = createDomain({ config: loaded, redis: connection as Redis });
        context.onClose(() => created.close());
        return created;
      })();
      return domain;
    },
    actor: `cli:${safeUserName()}`,
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      for (const fn of closers.splice(0).reverse()) {
        await fn();
      }
    },
  };
  return context;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
