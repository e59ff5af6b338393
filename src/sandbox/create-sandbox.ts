/**
 * `createSandbox(options)`: a started IAM/STS sandbox on a local port, with its bootstrap
 * admin key and direct handles for tests, the demo and benchmarks (faults, the request log,
 * held responses, a user's state, reset).
 */
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

import { createHeldResponses } from './admin/held-responses.ts';
import { createSigningKeyCache } from './auth/sigv4.ts';
import {
  createRequestLog,
  DEFAULT_REQUEST_LOG_CAPACITY,
  type RequestLogEntry,
} from './admin/request-log.ts';
import { runAsAdmin } from './admin/run-as-admin.ts';
import { type UserSnapshot, userSnapshot } from './admin/user-snapshot.ts';
import type { Faults, FaultsInput } from './faults/fault-config.ts';
import { createFaultEngine } from './faults/fault-engine.ts';
import { createMarkerCodec } from './rules/pagination.ts';
import type { SandboxCore } from './sandbox-core.ts';
import { createHttpServer } from './server/create-http-server.ts';
import { createAccountState } from './state/account-state.ts';
import { addBootstrapAdmin, type Credentials } from './state/bootstrap-admin.ts';
import { createIdGenerator } from './state/ids.ts';
import { type SeededUser, seedUsers } from './state/seed-users.ts';

export interface SandboxOptions {
  /** Default 127.0.0.1. The admin API answers loopback callers whatever the host. */
  host?: string;
  /** Default 0: a free port chosen by the OS. */
  port?: number;
  /** Default 123456789012. */
  accountId?: string;
  /** The bootstrap admin's key; default a fresh random one. */
  adminCredentials?: Credentials;
  /** Users created at start (and again on reset), deterministic from `seed`. Default 0. */
  seedUsers?: number;
  /** Default `sandbox`. */
  seed?: string;
  /** Latency added to every IAM/STS call, ms. Default 0. */
  latencyMs?: number;
  /** New access keys answer InvalidClientTokenId this long, ms. Default 0. */
  propagationDelayMs?: number;
  /** Entries the request log keeps (oldest dropped first). Default 100,000. */
  requestLogCapacity?: number;
  /** IAM's users-per-account quota for CreateUser. Default 5000 (AWS's). */
  usersPerAccount?: number;
  /** ms since the epoch; tests may move time. Default Date.now. */
  clock?: () => number;
  /** Where unexpected errors go; default silent. */
  logger?: Logger;
}

export interface Sandbox {
  /** IAM endpoint (also STS: one server answers both). */
  endpoint: string;
  stsEndpoint: string;
  adminEndpoint: string;
  port: number;
  accountId: string;
  /** The region clients should use; any region is accepted in signatures. */
  region: string;
  adminCredentials: Credentials;
  /** The users `seedUsers` created, in order (the bootstrap admin is not among them). */
  seededUsers: readonly SeededUser[];
  faults: {
    get(): Faults;
    /** Replaces the fault set (omitted fields: start-up values), like PUT /_sandbox/faults. */
    set(input: FaultsInput): Faults;
    reset(): void;
  };
  /** Request-log entries with `seq > since`. */
  requests(since?: number): RequestLogEntry[];
  /** The newest entry matching `predicate`, waiting for it up to `timeoutMs` (default 10 s). */
  waitForRequest(
    predicate: (entry: RequestLogEntry) => boolean,
    options?: { timeoutMs?: number; since?: number },
  ): Promise<RequestLogEntry>;
  /** Lets a request held by holdBefore go on, or sends a response held by holdAfter; false when none is held under `seq`. */
  release(seq: number): boolean;
  /** A user's whole state (password and secrets included), or undefined. */
  user(userName: string): UserSnapshot | undefined;
  /**
   * Runs an IAM action as the bootstrap administrator, in-process (no HTTP, not logged): a
   * change made behind the back of the code under test. Returns the `…Result` XML members;
   * throws the action's IamError when IAM would refuse it.
   */
  asAdmin(action: string, params: Record<string, string>): string;
  /** Back to the start-up state: seeded users, admin key, no faults, empty log. */
  reset(): void;
  close(): Promise<void>;
}

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? Date.now;
  const accountId = options.accountId ?? '123456789012';
  const ids = createIdGenerator();
  const adminCredentials = options.adminCredentials ?? {
    accessKeyId: ids.accessKeyId(),
    secretAccessKey: ids.secretAccessKey(),
  };
  const core: SandboxCore = {
    state: createAccountState(accountId),
    ids,
    markers: createMarkerCodec(),
    faults: createFaultEngine({
      latencyMs: options.latencyMs ?? 0,
      propagationDelayMs: options.propagationDelayMs ?? 0,
    }),
    log: createRequestLog(options.requestLogCapacity ?? DEFAULT_REQUEST_LOG_CAPACITY),
    held: createHeldResponses(),
    signingKeys: createSigningKeyCache(),
    clock,
    usersPerAccount: options.usersPerAccount ?? 5000,
    logger: options.logger,
  };
  let seededUsers: readonly SeededUser[] = [];
  const populate = () => {
    const now = clock();
    addBootstrapAdmin(core.state, ids, adminCredentials, now);
    seededUsers = seedUsers(core.state, {
      count: options.seedUsers ?? 0,
      seed: options.seed ?? 'sandbox',
      now,
    });
  };
  const reset = () => {
    core.held.releaseAll();
    core.state.clear();
    core.faults.reset();
    core.log.clear();
    populate();
  };
  populate();

  const server = createHttpServer(core, { core, reset });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host =
    options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    endpoint,
    stsEndpoint: endpoint,
    adminEndpoint: `${endpoint}/_sandbox`,
    port,
    accountId,
    region: 'us-east-1',
    adminCredentials,
    get seededUsers() {
      return seededUsers;
    },
    faults: {
      get: () => core.faults.current(),
      set: (input) => core.faults.set(input),
      reset: () => core.faults.reset(),
    },
    requests: (since = 0) => core.log.since(since),
    async waitForRequest(predicate, { timeoutMs = 10_000, since = 0 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = core.log.since(since).findLast(predicate);
        if (found !== undefined) {
          return found;
        }
        if (Date.now() > deadline) {
          throw new Error(`sandbox: no request matched within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    release: (seq) => core.held.release(seq),
    user(userName) {
      const user = core.state.findUser(userName);
      return user === undefined ? undefined : userSnapshot(user);
    },
    asAdmin: (action, params) => runAsAdmin(core, action, params),
    reset,
    async close() {
      core.held.releaseAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
