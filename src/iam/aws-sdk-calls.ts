/** What every AWS SDK call of the gateway shares: error classification, paging, shapes. */
import type { User } from '@aws-sdk/client-iam';

import { classifyIamError, type IamErrorContext } from './classify-iam-error.ts';
import type { IamUser } from './iam-gateway.ts';

export async function call<T>(context: IamErrorContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw classifyIamError(err, context);
  }
}

export function toUser(user: User | undefined): IamUser {
  return {
    userName: user?.UserName ?? '',
    userId: user?.UserId ?? '',
    arn: user?.Arn ?? '',
    path: user?.Path ?? '/',
    createdAt: user?.CreateDate ?? new Date(0),
    passwordLastUsedAt: user?.PasswordLastUsed,
  };
}

/** Follows `Marker` until IAM stops sending one (IAM may return short pages before the end). */
export async function allPages<T>(
  fetchPage: (marker: string | undefined) => Promise<{ items: T[]; marker: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    items.push(...page.items);
    marker = page.marker;
  } while (marker);
  return items;
}

export const receipt = (output: { $metadata: { requestId?: string } }) => ({
  requestId: output.$metadata.requestId,
});
