/**
 * What a discovery knows about one IAM user, and its compact form in Redis: a JSON array of
 * about 100 bytes per user with a key or two, so a snapshot of 10,000 users stays near 1 MB.
 */
import type { AccessKeyStatus } from '../iam/iam-gateway.ts';

export interface DiscoveredKey {
  accessKeyId: string;
  status: AccessKeyStatus;
  /** ISO time, whole seconds as AWS reports it. */
  createdAt: string | undefined;
  /** The key is a managed account's current key (`account add` or one of our rotations). */
  managed: boolean;
}

export interface DiscoveredUser {
  /** As AWS spells it. */
  userName: string;
  userId: string;
  path: string;
  createdAt: string;
  accessKeys: DiscoveredKey[];
  /** Whether the user has a console password; known only with `discoverLoginProfiles`. */
  hasLoginProfile?: boolean | undefined;
}

const STATUS_CODES: Record<AccessKeyStatus, string> = { Active: 'A', Inactive: 'I', Expired: 'E' };
const STATUS_OF: Record<string, AccessKeyStatus> = { A: 'Active', I: 'Inactive', E: 'Expired' };

type EncodedKey = [string, string, number, 0 | 1];
type EncodedUser = [string, string, string, number, EncodedKey[], (0 | 1)?];

const toSeconds = (iso: string | undefined) =>
  iso === undefined ? 0 : Math.floor(Date.parse(iso) / 1000);
const fromSeconds = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The field a user is stored under: IAM compares user names without case. */
export const userField = (userName: string) => userName.toLowerCase();

export function encodeUser(user: DiscoveredUser): string {
  const keys = user.accessKeys.map((k): EncodedKey => [
    k.accessKeyId,
    STATUS_CODES[k.status],
    toSeconds(k.createdAt),
    k.managed ? 1 : 0,
  ]);
  const encoded: EncodedUser = [
    user.userName,
    user.userId,
    user.path,
    toSeconds(user.createdAt),
    keys,
  ];
  if (user.hasLoginProfile !== undefined) {
    encoded.push(user.hasLoginProfile ? 1 : 0);
  }
  return JSON.stringify(encoded);
}

export function decodeUser(text: string): DiscoveredUser {
  const [userName, userId, path, created, keys, loginProfile] = JSON.parse(text) as EncodedUser;
  return {
    userName,
    userId,
    path,
    createdAt: fromSeconds(created),
    accessKeys: keys.map(([accessKeyId, status, keyCreated, managed]) => ({
      accessKeyId,
      status: STATUS_OF[status] ?? 'Active',
      createdAt: keyCreated === 0 ? undefined : fromSeconds(keyCreated),
      managed: managed === 1,
    })),
    ...(loginProfile === undefined ? {} : { hasLoginProfile: loginProfile === 1 }),
  };
}
