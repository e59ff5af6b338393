/**
 * The IAM backend a test file runs against, chosen by IAM_TEST_BACKEND: `moto` (a private moto
 * server for this file: moto is one global account, so files never share one), `sandbox` (ours,
 * in this process) or `aws` (a real account; only with IAM_TEST_AWS_CONFIRM=yes, everything under
 * the path /iam-pam-test/).
 */
import { spawn } from 'node:child_process';

import { afterAll, beforeAll } from 'vitest';

import type { Sandbox } from '../../src/sandbox/create-sandbox.ts';

import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export type BackendName = 'moto' | 'sandbox' | 'aws';

export interface IamBackend {
  name: BackendName;
  region: string;
  /** IAM and STS endpoint; undefined for real AWS. */
  endpoint: string | undefined;
  /** An administrator's credentials on this backend. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The IAM path under which tests create users. */
  userPath: string;
  /** On the sandbox backend: its admin handles (faults, request log, user state). */
  sandbox?: Sandbox;
  stop(): Promise<void>;
}

export function backendName(): BackendName {
  const name = process.env.IAM_TEST_BACKEND ?? 'moto';
  if (name !== 'moto' && name !== 'sandbox' && name !== 'aws') {
    throw new Error(`IAM_TEST_BACKEND=${name}: expected moto, sandbox or aws`);
  }
  return name;
}

async function startMoto(): Promise<IamBackend> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'moto server',
      async () => {
        if (child.exitCode !== null) {
          throw new Error(
            `moto exited with ${child.exitCode}: ${stderr} (is moto installed for the python3 on PATH? python3 -c 'import moto')`,
          );
        }
        const response = await fetch(`${endpoint}/moto-api/`);
        return response.ok ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    name: 'moto',
    region: 'us-east-1',
    endpoint,
    // moto accepts any key; these only have to look like AWS's.
    credentials: {
      accessKeyId: 'AKIAMOTOTESTADMIN000',
      secretAccessKey: 'moto-accepts-any-secret-0000000000000000',
    },
    userPath: '/',
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startAws(): Promise<IamBackend> {
  if (process.env.IAM_TEST_AWS_CONFIRM !== 'yes') {
    throw new Error(
      'IAM_TEST_BACKEND=aws creates and deletes IAM users in a real account: set IAM_TEST_AWS_CONFIRM=yes to confirm',
    );
  }
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'IAM_TEST_BACKEND=aws needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of an administrator',
    );
  }
  return {
    name: 'aws',
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: undefined,
    credentials: { accessKeyId, secretAccessKey },
    userPath: '/iam-pam-test/',
    stop: async () => undefined,
  };
}

/** Starts the selected backend for one file. Sandbox support is added by the sandbox module. */
export async function startIamBackend(name: BackendName = backendName()): Promise<IamBackend> {
  switch (name) {
    case 'moto':
      return startMoto();
    case 'aws':
      return startAws();
    case 'sandbox': {
      const { startSandboxBackend } = await import('./sandbox-backend.ts');
      return startSandboxBackend();
    }
  }
}

/** Starts a backend before the file's tests and stops it after them. */
export function useIamBackend(): { readonly current: IamBackend } {
  const holder: { current?: IamBackend } = {};
  beforeAll(async () => {
    holder.current = await startIamBackend();
    process.stderr.write(
      `[test harness] IAM backend: ${holder.current.name}${holder.current.endpoint ? ` at ${holder.current.endpoint}` : ''}\n`,
    );
  }, 30_000);
  afterAll(async () => {
    await holder.current?.stop();
  });
  return {
    get current() {
      if (!holder.current) {
        throw new Error('the IAM backend is not started yet (use it inside tests or beforeAll)');
      }
      return holder.current;
    },
  };
}

/**
 * Declares what a backend cannot do: `it.skipIf` with the reason in the test name, so the
 * report says why a scenario did not run on moto.
 */
export function unsupportedOn(reasons: Partial<Record<BackendName, string>>): {
  skip: boolean;
  label: string;
} {
  const reason = reasons[backendName()];
  // IAM_TEST_CHECK_DEVIATIONS=yes runs them anyway: each should then fail, proving its reason.
  const check = process.env.IAM_TEST_CHECK_DEVIATIONS === 'yes';
  return {
    skip: reason !== undefined && !check,
    label: reason === undefined ? '' : ` [not on ${backendName()}: ${reason}]`,
  };
}
