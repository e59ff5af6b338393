/**
 * The vault port: secrets by owner and stage. Owners are account references
 * (`prod/alice/access-key`) or `provider:<id>`. Each write makes a new version; stages point at
 * versions, so promotion relabels without re-encrypting. Types only.
 */
import type { AccountKind } from '../identifiers.ts';
import type { Fence } from '../jobs/define-job.ts';

export type SecretValue = { accessKeyId: string; secretAccessKey: string } | { password: string };

/** `unconfirmed`: a password AWS may hold after a rejected re-apply (DESIGN.md, password rotation). */
export const VAULT_STAGES = ['current', 'pending', 'previous', 'unconfirmed'] as const;
export type VaultStage = (typeof VAULT_STAGES)[number];

export interface WriteOptions {
  /** Who writes, for the audit trail. */
  actor: string;
  /** The caller's lease on the IAM user (DESIGN.md invariant 5), checked inside the write script. */
  fence?: Fence | undefined;
  jobId?: string | undefined;
}

export interface VersionInfo {
  versionId: string;
  stages: VaultStage[];
  kind: AccountKind;
  accessKeyId: string | undefined;
  createdAt: string;
  /** Id of the master key that encrypted it. */
  masterKeyId: string;
}

export interface SecretStore {
  /** Stores a new version at `stage`, replacing what the stage held. */
  put(
    owner: string,
    stage: VaultStage,
    value: SecretValue,
    options: WriteOptions,
  ): Promise<VersionInfo>;
  /**
   * pending → current, current → previous (the old previous is forgotten). `versionId` names the
   * version promoted (required with a fence; without one, the pending version at the time). A
   * repeat — the named version is `current` already — is a no-op, whatever is pending since.
   * Refused without a pending, or when the pending version is another.
   */
  promote(owner: string, options: WriteOptions & { versionId?: string | undefined }): Promise<void>;
  /** Moves a version from one stage to another (replacing the target), e.g. pending → unconfirmed. */
  move(owner: string, from: VaultStage, to: VaultStage, options: WriteOptions): Promise<void>;
  /** Forgets what a stage holds (its version goes when no stage refers to it). */
  clear(owner: string, stage: VaultStage, options: WriteOptions): Promise<void>;
  /**
   * Decrypts the secret at `stage`; undefined when the stage is empty. A stage pointer failing
   * its MAC throws `vault_unreadable`, as a tampered ciphertext does.
   */
  read(owner: string, stage: VaultStage): Promise<SecretValue | undefined>;
  /** Metadata of every version, no secret. */
  versions(owner: string): Promise<VersionInfo[]>;
  /** The version id at `stage` (its pointer's MAC checked): cheap, for callers that cache by version. */
  versionIdAt(owner: string, stage: VaultStage): Promise<string | undefined>;
  /** Deletes every version of an owner. */
  removeOwner(owner: string, options: WriteOptions): Promise<void>;
}
