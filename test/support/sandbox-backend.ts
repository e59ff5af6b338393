/**
 * The sandbox backend for tests: our IAM/STS sandbox started in this process on a free port,
 * with its bootstrap administrator as the backend's credentials. Users are created under
 * `/iam-pam-test/`, apart from the administrator (under `/sandbox/`).
 */
import { createSandbox, type Sandbox } from '../../src/sandbox/create-sandbox.ts';
import type { IamBackend } from './iam-backend.ts';

export async function startSandboxBackend(
  options: Parameters<typeof createSandbox>[0] = {},
): Promise<IamBackend & { sandbox: Sandbox }> {
  const sandbox = await createSandbox(options);
  return {
    name: 'sandbox',
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: sandbox.adminCredentials,
    userPath: '/iam-pam-test/',
    sandbox,
    stop: () => sandbox.close(),
  };
}
