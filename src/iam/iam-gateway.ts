/**
 * The IAM port, in our vocabulary: what jobs need from AWS IAM and STS. Types only; the AWS
 * SDK lives in `aws-*.ts` files of this folder. Every method throws classified errors
 * (PermanentError / TransientError), never raw SDK exceptions.
 */

export type AccessKeyStatus = 'Active' | 'Inactive' | 'Expired';

export interface IamUser {
  userName: string;
  /** Changes when a user is deleted and recreated under the same name. */
  userId: string;
  arn: string;
  path: string;
  createdAt: Date;
  passwordLastUsedAt: Date | undefined;
}

export interface AccessKey {
  accessKeyId: string;
  userName: string;
  status: AccessKeyStatus;
  createdAt: Date | undefined;
}

/** The only shape that carries a secret; it goes straight to the vault. */
export interface NewAccessKey extends AccessKey {
  secretAccessKey: string;
}

export interface Tag {
  key: string;
  value: string;
}

export interface LoginProfile {
  userName: string;
  createdAt: Date | undefined;
  passwordResetRequired: boolean;
}

export interface AccountPasswordPolicy {
  minimumPasswordLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercaseCharacters: boolean;
  requireLowercaseCharacters: boolean;
  passwordReusePrevention: number | undefined;
}

export interface AccessKeyLastUsed {
  lastUsedAt: Date | undefined;
  serviceName: string;
  region: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export type PolicyDecision = 'allowed' | 'explicitDeny' | 'implicitDeny';

/** What a mutation returns: the AWS request id, for the audit trail. */
export interface MutationReceipt {
  requestId: string | undefined;
}

/**
 * Before a key goes Inactive, the wait for calls still in flight signed with it (a provider
 * signing with its own managed key): present only when some process held the key.
 */
export interface InFlightDrain {
  /** The processes (host:pid:random) that held the key when the wait began. */
  heldBy: string[];
  waitedMs: number;
  /** The timeout passed first: the key was deactivated with calls still in flight. */
  timedOut: boolean;
  stillInFlight?: string[];
}

export interface CreateAccessKeyOptions {
  /** The call is abandoned at this time (its response, if any, is then lost). */
  deadline?: Date | undefined;
}

export interface LoginProfileOptions {
  /** The vault version the password is (DESIGN.md invariant 9): the audit names it, IAM never sees it. */
  vaultVersionId?: string | undefined;
}

export interface UsersPage {
  users: IamUser[];
  /** Present when more users follow. */
  marker: string | undefined;
}

export interface IamGateway {
  getCallerIdentity(): Promise<CallerIdentity>;
  /** Without a name: the user whose key signs the request. */
  getUser(userName?: string): Promise<IamUser>;
  listUsersPage(options: {
    pathPrefix?: string;
    marker?: string;
    maxItems?: number;
  }): Promise<UsersPage>;
  /** Every key of the user (all pages). */
  listAccessKeys(userName: string): Promise<AccessKey[]>;
  /**
   * Sent exactly once (no SDK retry: it has no idempotency token, DESIGN.md invariant 4); with
   * `deadline`, abandoned at that time, rate-budget wait included, so a key it creates was
   * created before then.
   */
  createAccessKey(
    userName: string,
    options?: CreateAccessKeyOptions,
  ): Promise<NewAccessKey & MutationReceipt>;
  updateAccessKeyStatus(
    userName: string,
    accessKeyId: string,
    status: 'Active' | 'Inactive',
  ): Promise<MutationReceipt & { inFlightDrain?: InFlightDrain }>;
  /** A key already gone counts as deleted (`alreadyGone: true`). */
  deleteAccessKey(
    userName: string,
    accessKeyId: string,
  ): Promise<MutationReceipt & { alreadyGone: boolean }>;
  /** Every tag of the user (all pages). */
  listUserTags(userName: string): Promise<Tag[]>;
  tagUser(userName: string, tags: Tag[]): Promise<MutationReceipt>;
  untagUser(userName: string, keys: string[]): Promise<MutationReceipt>;
  /** Undefined when the user has no console password. */
  getLoginProfile(userName: string): Promise<LoginProfile | undefined>;
  createLoginProfile(
    userName: string,
    password: string,
    passwordResetRequired: boolean,
    options?: LoginProfileOptions,
  ): Promise<MutationReceipt>;
  updateLoginProfile(
    userName: string,
    password: string,
    passwordResetRequired: boolean,
    options?: LoginProfileOptions,
  ): Promise<MutationReceipt>;
  /** Undefined when the account has no custom policy (AWS's default applies). */
  getAccountPasswordPolicy(): Promise<AccountPasswordPolicy | undefined>;
  /** Undefined when IAM does not know the key (AWS answers AccessDenied for that). */
  getAccessKeyLastUsed(accessKeyId: string): Promise<AccessKeyLastUsed | undefined>;
  /**
   * IAM's clock minus ours, in ms, as measured from the `Date` header of its latest answer
   * (whole seconds, so ±1 s); 0 before any answer. Optional: gateways that cannot tell say 0.
   */
  clockSkewMs?(): Promise<number>;
  /** The decision per action name for the principal. */
  simulatePrincipalPolicy(
    principalArn: string,
    actionNames: string[],
  ): Promise<Record<string, PolicyDecision>>;
}

/** Proves that a key works: `sts:GetCallerIdentity` signed with it. */
export interface CredentialVerifier {
  verify(credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }): Promise<CallerIdentity>;
}
