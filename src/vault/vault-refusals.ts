/**
 * What the vault's write script refuses (its error replies, vault-script.ts), as the errors a
 * caller sees: whether waiting helps, and what to do.
 */
import { PermanentError, TransientError } from '../errors.ts';

const REFUSALS: Array<
  [string, (action: string, owner: string, detail: string, keyId: () => string) => Error]
> = [
  [
    'LEASE_LOST',
    (action, owner) =>
      new TransientError(
        'lease_lost',
        `vault ${action} on ${owner} refused: this worker no longer holds the lease on the IAM user`,
      ),
  ],
  [
    'LEASED',
    (action, owner) =>
      new PermanentError(
        'conflict',
        `vault ${action} on ${owner} refused: a job is working on this IAM user (a rotation?); try again when it is done`,
      ),
  ],
  [
    'WRONG_MASTER_KEY',
    (action, owner, detail, keyId) =>
      // Transient: another worker, started with the vault's key, can do it.
      new TransientError(
        'config_invalid',
        `vault ${action} on ${owner} refused: sealed under master key ${keyId()}, but the vault's active master key is now ${/WRONG_MASTER_KEY (\S+)/.exec(detail)?.[1] ?? '?'} (vault rekey); restart this process with that key as IAM_PAM_MASTER_KEY; nothing was written`,
      ),
  ],
  [
    'NO_PENDING',
    (action, owner) =>
      new PermanentError(
        'conflict',
        `vault ${action} on ${owner} refused: there is no pending version to promote`,
      ),
  ],
  [
    'UNNAMED_PROMOTE',
    (action, owner) =>
      new PermanentError(
        'internal',
        `vault ${action} on ${owner} refused: a promote must name the version it promotes`,
      ),
  ],
  [
    'OTHER_PENDING',
    (action, owner) =>
      new PermanentError(
        'conflict',
        `vault ${action} on ${owner} refused: the pending version is not the one named`,
      ),
  ],
  [
    'EMPTY_STAGE',
    (action, owner) =>
      new PermanentError(
        'conflict',
        `vault ${action} on ${owner} refused: the stage it moves is empty`,
      ),
  ],
  [
    'SAME_STAGE',
    (action, owner) =>
      new PermanentError(
        'invalid_input',
        `vault ${action} on ${owner} refused: a version cannot move onto its own stage`,
      ),
  ],
];

/** The error for a script's error reply, or undefined when it is none of the vault's refusals. */
export function refusalOf(
  message: string,
  action: string,
  owner: string,
  /** The id of the key this process seals under (asked only when it matters). */
  keyId: () => string,
): Error | undefined {
  return REFUSALS.find(([code]) => message.includes(code))?.[1](action, owner, message, keyId);
}
