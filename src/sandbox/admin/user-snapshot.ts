/** The whole state of one user for `GET /_sandbox/users/{userName}` — password included (tests only). */
import { sortedTags } from '../rules/tag-rules.ts';
import type { KeyLastUsed, UserRecord } from '../state/records.ts';

export interface UserSnapshot {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: string;
  tags: Array<{ key: string; value: string }>;
  accessKeys: Array<{
    accessKeyId: string;
    secretAccessKey: string;
    status: 'Active' | 'Inactive';
    createDate: string;
    /** When the key starts to work (creation + propagation delay). */
    validFrom: string;
    lastUsed: { date: string; serviceName: string; region: string } | null;
  }>;
  loginProfile: { password: string; createDate: string; passwordResetRequired: boolean } | null;
  /** How many past passwords are remembered for PasswordReusePrevention. */
  passwordHistoryLength: number;
  /** Inline policies: name → document text. */
  policies: Record<string, string>;
}

const iso = (ms: number) => new Date(ms).toISOString();

const lastUsed = (used: KeyLastUsed | undefined) =>
  used === undefined
    ? null
    : { date: iso(used.at), serviceName: used.serviceName, region: used.region };

export function userSnapshot(user: UserRecord): UserSnapshot {
  return {
    userName: user.userName,
    userId: user.userId,
    path: user.path,
    arn: user.arn,
    createDate: iso(user.createdAt),
    tags: sortedTags(user),
    accessKeys: user.accessKeys.map((key) => ({
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      status: key.status,
      createDate: iso(key.createdAt),
      validFrom: iso(key.validFrom),
      lastUsed: lastUsed(key.lastUsed),
    })),
    loginProfile:
      user.loginProfile === undefined
        ? null
        : {
            password: user.loginProfile.password,
            createDate: iso(user.loginProfile.createdAt),
            passwordResetRequired: user.loginProfile.passwordResetRequired,
          },
    passwordHistoryLength: user.passwordHistory.length,
    policies: Object.fromEntries(
      [...user.policies.values()].map((policy) => [policy.name, policy.document.text]),
    ),
  };
}
