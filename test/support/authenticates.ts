/** Whether the IAM backend accepts a key: sts:GetCallerIdentity signed with it, one attempt. */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import type { IamBackend } from './iam-backend.ts';

export async function authenticates(
  backend: Pick<IamBackend, 'region' | 'endpoint'>,
  key: { accessKeyId: string; secretAccessKey: string },
): Promise<boolean> {
  const sts = new STSClient({
    region: backend.region,
    endpoint: backend.endpoint,
    credentials: key,
    maxAttempts: 1,
  });
  try {
    await sts.send(new GetCallerIdentityCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    sts.destroy();
  }
}
