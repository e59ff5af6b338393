/** The sandbox backend for tests; it arrives with the sandbox (src/sandbox). */
import type { IamBackend } from './iam-backend.ts';

export function startSandboxBackend(): Promise<IamBackend> {
  return Promise.reject(
    new Error('IAM_TEST_BACKEND=sandbox: the sandbox (src/sandbox) does not exist yet'),
  );
}
