/** A sandbox started for one test file, with SDK clients signed by its bootstrap admin. */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll } from 'vitest';

import {
  createSandbox,
  type Sandbox,
  type SandboxOptions,
} from '../../../src/sandbox/create-sandbox.ts';

export interface SandboxHarness {
  sandbox: Sandbox;
  /** Clients with the SDK's default retries (3 attempts). */
  iam: IAMClient;
  sts: STSClient;
  /** Clients that try once. */
  iamOnce: IAMClient;
  admin(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }>;
}

export function clients(
  sandbox: Sandbox,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  maxAttempts?: number,
) {
  const common = { region: 'us-east-1', endpoint: sandbox.endpoint, credentials, maxAttempts };
  return { iam: new IAMClient(common), sts: new STSClient(common) };
}

export function useSandbox(options: SandboxOptions = {}): { readonly current: SandboxHarness } {
  let harness: SandboxHarness | undefined;
  beforeAll(async () => {
    const sandbox = await createSandbox(options);
    const { iam, sts } = clients(sandbox, sandbox.adminCredentials);
    const iamOnce = clients(sandbox, sandbox.adminCredentials, 1).iam;
    harness = {
      sandbox,
      iam,
      sts,
      iamOnce,
      async admin(path, init) {
        const response = await fetch(`${sandbox.adminEndpoint}${path}`, init);
        const text = await response.text();
        return {
          status: response.status,
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
        };
      },
    };
  });
  afterAll(async () => {
    harness?.iam.destroy();
    harness?.sts.destroy();
    harness?.iamOnce.destroy();
    await harness?.sandbox.close();
  });
  return {
    get current() {
      if (harness === undefined) {
        throw new Error('the sandbox is not started yet');
      }
      return harness;
    },
  };
}
