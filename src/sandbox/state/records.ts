/** The sandbox's IAM entities, as held in memory (one account per sandbox). */
import type { NamedPolicy } from '../policy/evaluate-policies.ts';
import type { PolicyDocument } from '../policy/policy-document.ts';

export interface KeyLastUsed {
  at: number;
  serviceName: string;
  region: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  status: 'Active' | 'Inactive';
  createdAt: number;
  /** Before this time the key answers InvalidClientTokenId: IAM's propagation delay. */
  validFrom: number;
  lastUsed: KeyLastUsed | undefined;
  user: UserRecord;
}

export interface LoginProfileRecord {
  password: string;
  /** AWS moves it whenever the password is set (UpdateLoginProfile included). */
  createdAt: number;
  passwordResetRequired: boolean;
}

export interface TagRecord {
  key: string;
  value: string;
}

export interface UserRecord {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createdAt: number;
  passwordLastUsed: number | undefined;
  /** By lower-cased key: tag keys are case-insensitive but keep their case. */
  tags: Map<string, TagRecord>;
  accessKeys: AccessKeyRecord[];
  loginProfile: LoginProfileRecord | undefined;
  /** sha256 of the passwords set so far, newest last, for PasswordReusePrevention. */
  passwordHistory: string[];
  /** Inline policies by name. */
  policies: Map<string, NamedPolicy>;
  /** ListUsers' `<member>` body, built once: a user's listed fields never change. */
  listXml: string | undefined;
}

export interface RoleRecord {
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
  createdAt: number;
  description: string | undefined;
  maxSessionDuration: number;
  trust: PolicyDocument;
  policies: Map<string, NamedPolicy>;
}

export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  role: RoleRecord;
  sessionName: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  arn: string;
  /** `<roleId>:<session>`. */
  assumedRoleId: string;
  lastUsed: KeyLastUsed | undefined;
}

export interface PasswordPolicyRecord {
  minimumPasswordLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercaseCharacters: boolean;
  requireLowercaseCharacters: boolean;
  allowUsersToChangePassword: boolean;
  maxPasswordAge: number | undefined;
  passwordReusePrevention: number | undefined;
  hardExpiry: boolean | undefined;
}
