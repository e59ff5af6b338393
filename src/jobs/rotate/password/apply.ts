/**
 * `apply` (DESIGN.md "Rotation, step by step" → Password): sends the vault's pending password
 * with CreateLoginProfile (no console password at plan) or UpdateLoginProfile, PasswordResetRequired
 * from the lifecycle policy. A retry re-applies the same pending password (the same vault
 * version, named in the audit); EntityAlreadyExists on create — an earlier send went through —
 * switches to update, and NoSuchEntity on update (the profile was deleted meanwhile) to create.
 * IAM busy or unreachable: the error goes on and the job retries later.
 *
 * The `unconfirmed` rule: after `apply_sent` AWS may hold the pending password (a lost answer),
 * and a re-apply of it may be refused as reused, so a PasswordPolicyViolation keeps it as
 * `unconfirmed`, generates one fresh password against the policy re-read from AWS, stores it as
 * `pending` (before it is sent) and applies that. A second refusal fails for good with AWS's
 * message; only a successful apply settles which one AWS holds. What the failure keeps: the
 * first password always (as `unconfirmed`); the fresh one (as `pending`) unless this very run
 * generated it and sent it once, in requests IAM answered at their first attempt, and IAM refused
 * it — a refused call changes nothing, so AWS cannot hold it and it is dropped (abandon.ts then
 * finds one password to keep). Sent by an earlier run (its answer lost, a crash) or re-sent by the
 * SDK after a lost answer, AWS may hold it, so both stay.
 *
 * The vault has one `unconfirmed` stage, and an earlier rotation that was abandoned may have left
 * a password there (AWS may hold it). At the first refusal, moving the refused password there
 * would drop that one. So the same evidence decides: refused at its only send, by this run, which
 * journaled `apply_sent` itself (no earlier run can have sent it), AWS cannot hold it — the older
 * one stays, and the fresh password replaces the refused one as `pending`, one vault write.
 * Otherwise AWS may hold either, and the job fails `needs_decision` with nothing changed: a replay
 * once AWS accepts the pending password settles it (promote.ts forgets the older one then).
 */
import { canonicalRef, displayRef } from '../../../accounts/account-ref.ts';
import { isAppError, PermanentError } from '../../../errors.ts';
import type { MutationReceipt } from '../../../iam/iam-gateway.ts';
import { generatePassword } from '../../../passwords/generate-password.ts';
import { resolvePasswordPolicy } from '../../../passwords/resolve-password-policy.ts';
import { requireRecord } from '../journal.ts';
import type { RotationPorts, RotationStep } from '../rotation-kind.ts';
import type { PasswordRotationDeps } from './deps.ts';
import type {
  ApplyAction,
  ApplyRecord,
  PasswordPlanRecord,
  StorePendingRecord,
} from './journal-records.ts';

interface Sending {
  versionId: string;
  password: string;
}

const isCode = (err: unknown, code: string) => isAppError(err) && err.code === code;

/** Whether IAM answered a failed call at the SDK's first attempt (unknown counts as no). */
const answeredFirstTime = (err: unknown) => isAppError(err) && err.detail?.attempts === 1;

/** What one send did: `resent` once any of its requests may have reached IAM more than once. */
interface SendTally {
  resent: boolean;
}

/** Sends the password; create ↔ update as IAM's answer shows what the user has now. */
async function send(
  ports: RotationPorts,
  userName: string,
  action: ApplyAction,
  sending: Sending,
  resetRequired: boolean,
  tally: SendTally,
): Promise<MutationReceipt & { action: ApplyAction }> {
  const options = { vaultVersionId: sending.versionId };
  const tallied = async <T>(call: () => Promise<T>) => {
    try {
      return await call();
    } catch (err) {
      tally.resent ||= !answeredFirstTime(err);
      throw err;
    }
  };
  const create = () =>
    tallied(() => ports.iam.createLoginProfile(userName, sending.password, resetRequired, options));
  const update = () =>
    tallied(() => ports.iam.updateLoginProfile(userName, sending.password, resetRequired, options));
  if (action === 'create') {
    try {
      return { ...(await create()), action: 'create' };
    } catch (err) {
      if (!isCode(err, 'entity_exists')) {
        throw err;
      }
      return { ...(await update()), action: 'update' };
    }
  }
  try {
    return { ...(await update()), action: 'update' };
  } catch (err) {
    if (!isCode(err, 'entity_missing')) {
      throw err;
    }
    // No login profile any more (or no user: then create fails NoSuchEntity, for good).
    return { ...(await create()), action: 'create' };
  }
}

/** The vault's pending password, if there is one. */
async function pendingOf(
  ports: RotationPorts,
  owner: string,
  fail: (why: string) => PermanentError,
): Promise<Sending | undefined> {
  const versionId = await ports.vault.versionIdAt(owner, 'pending');
  if (versionId === undefined) {
    return undefined;
  }
  const value = await ports.vault.read(owner, 'pending');
  if (value === undefined || !('password' in value)) {
    throw fail('the vault’s pending secret is not a password');
  }
  return { versionId, password: value.password };
}

export function applyStep(deps: PasswordRotationDeps): RotationStep {
  return {
    name: 'apply',
    async run(input, ports) {
      const { account, journal } = input;
      const plan = requireRecord<PasswordPlanRecord>(journal, 'plan');
      const { pendingVersionId: original } = requireRecord<StorePendingRecord>(
        journal,
        'store_pending',
      );
      const owner = canonicalRef(account);
      const name = displayRef(account);
      const fail = (why: string) =>
        new PermanentError(
          'vault_unreadable',
          `${name}: ${why}, so rotation ${journal.rotationId} cannot apply it; abandon the rotation (iam-pam rotate ${name} --abandon)`,
        );

      /** One fresh password, stored pending before it is sent; the refused one kept. */
      const regenerate = async (): Promise<Sending & { policyDescription: string }> => {
        const { policy } = await deps.providerOf(account.provider);
        // Re-read from AWS: `aws-default` too, since AWS just refused what that policy allowed.
        const setting =
          policy.passwordPolicy === 'aws-default' ? 'aws-account' : policy.passwordPolicy;
        const resolved = await resolvePasswordPolicy(setting, ports.iam, {
          provider: account.provider,
        });
        const password = generatePassword(resolved.policy, { userName: account.userName });
        const stored = await ports.vault.put(owner, 'pending', { password }, ports.vaultWrite);
        return { versionId: stored.versionId, password, policyDescription: resolved.description };
      };

      /**
       * What `unconfirmed` holds as this run starts: this rotation's first password once it was
       * refused, or (before that) the one an earlier, abandoned rotation left.
       */
      const kept = await ports.vault.versionIdAt(owner, 'unconfirmed');
      /** How the kept one is named in a failure. */
      const keptName = (id: string) =>
        id === original
          ? 'the first'
          : `the one an earlier, abandoned rotation left (version ${id}; this rotation's first was refused at its only send and dropped)`;
      let sending = await pendingOf(ports, owner, fail);
      let regenerated: ApplyRecord['regenerated'];
      /** The fresh password was generated by this run: no earlier run can have sent it. */
      let generatedHere = false;
      if (sending === undefined) {
        // Only apply empties `pending` while a password is kept as unconfirmed: killed between
        // keeping the refused one and storing the fresh one, or a fresh one refused at its only
        // send was dropped. Either way a fresh one is due.
        if (kept === undefined) {
          throw fail('the vault holds no pending password');
        }
        generatedHere = true;
        const fresh = await regenerate();
        sending = fresh;
        regenerated = { unconfirmedVersionId: kept, policyDescription: fresh.policyDescription };
      } else if (sending.versionId !== original) {
        // A run before this one regenerated already: this is the second password.
        if (kept === undefined) {
          throw fail('the vault’s pending password is not this rotation’s and none is unconfirmed');
        }
        regenerated = {
          unconfirmedVersionId: kept,
          policyDescription: 'as re-read from AWS by an earlier run',
        };
      }
      let receipt: MutationReceipt & { action: ApplyAction };
      for (;;) {
        const tally: SendTally = { resent: false };
        try {
          receipt = await send(
            ports,
            account.userName,
            plan.action,
            sending,
            plan.resetRequired,
            tally,
          );
          break;
        } catch (err) {
          if (!isCode(err, 'password_policy_violation')) {
            throw err;
          }
          const refused = (err as Error).message;
          if (regenerated !== undefined) {
            const first = keptName(regenerated.unconfirmedVersionId);
            if (generatedHere && !tally.resent) {
              // Sent once, by this run, refused: AWS cannot hold it (a refused call changes
              // nothing). Keeping it would leave two "maybe held" passwords for one
              // `unconfirmed` stage; a replay generates another against the policy then.
              await ports.vault.clear(owner, 'pending', ports.vaultWrite);
              throw new PermanentError(
                'password_policy_violation',
                `${name}: AWS refused the regenerated password too (${refused}); ${first} is kept in the vault as unconfirmed because AWS may hold it, the regenerated one was refused at its only send and is dropped. Check the account's password policy, then replay the job (a fresh password is generated) or abandon the rotation`,
                { detail: { unconfirmedVersionId: regenerated.unconfirmedVersionId } },
              );
            }
            throw new PermanentError(
              'password_policy_violation',
              `${name}: AWS refused the regenerated password too (${refused}); both are kept in the vault (${first} as unconfirmed, the regenerated one as pending) because AWS may hold either. Check the account's password policy, then replay the job; abandon is refused while both are kept`,
              {
                detail: {
                  unconfirmedVersionId: regenerated.unconfirmedVersionId,
                  pendingVersionId: sending.versionId,
                },
              },
            );
          }
          // The first refusal: `sending` is this rotation's first password.
          if (kept === undefined) {
            ports.log.warn(
              { rotationId: journal.rotationId, vaultVersionId: sending.versionId },
              'AWS refused the pending password: kept as unconfirmed, one fresh password follows',
            );
            await ports.vault.move(owner, 'pending', 'unconfirmed', ports.vaultWrite);
          } else if (tally.resent || input.resumedAt === 'apply_sent') {
            // The SDK re-sent it, or an earlier run journaled `apply_sent` and may have sent it:
            // AWS may hold it or the kept one, and one stage cannot keep both.
            throw new PermanentError(
              'needs_decision',
              `${name}: AWS refused the pending password (version ${sending.versionId}: ${refused}) and it may have reached AWS, while the vault keeps as unconfirmed the one an earlier, abandoned rotation left (version ${kept}), which AWS may hold too; the vault keeps one unconfirmed password, so nothing was changed. Make AWS accept the pending password (check the account's password policy; under PasswordReusePrevention AWS refuses as reused a password it holds, so allow reuse for the replay), then replay the job (iam-pam dlq list, then iam-pam dlq replay <id>): its successful apply settles which password AWS holds. Abandon is refused while both are kept`,
              {
                detail: {
                  rotationId: journal.rotationId,
                  unconfirmedVersionId: kept,
                  pendingVersionId: sending.versionId,
                },
              },
            );
          } else {
            // Sent once, by this run, refused: AWS cannot hold it, so the older one stays and
            // the fresh password below replaces it as `pending` (one write: no crash between).
            ports.log.warn(
              { rotationId: journal.rotationId, vaultVersionId: sending.versionId, kept },
              'AWS refused the pending password at its only send: dropped (an earlier rotation’s stays unconfirmed), one fresh password follows',
            );
          }
          const fresh = await regenerate();
          generatedHere = true;
          sending = fresh;
          regenerated = {
            unconfirmedVersionId: kept ?? original,
            policyDescription: fresh.policyDescription,
          };
        }
      }
      const record: ApplyRecord = {
        action: receipt.action,
        vaultVersionId: sending.versionId,
        requestId: receipt.requestId,
        ...(regenerated === undefined ? {} : { regenerated }),
      };
      ports.log.info(
        {
          rotationId: journal.rotationId,
          action: receipt.action,
          vaultVersionId: sending.versionId,
        },
        'password applied',
      );
      return { record: { ...record } };
    },
  };
}
