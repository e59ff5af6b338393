/**
 * A console password's heartbeat (DESIGN.md's four cases). The IAM API cannot check a password's
 * value, so the verdict says what it can see — whether the login profile exists and where our
 * password came from — and says plainly that the password itself was not verified.
 */
import { canonicalRef } from '../../accounts/account-ref.ts';
import type { AccountRecord } from '../../accounts/account-store.ts';
import type { IamGateway } from '../../iam/iam-gateway.ts';
import type { SecretStore } from '../../vault/secret-store.ts';
import { readOrVerdict, withReadVerdicts } from './read-verdicts.ts';
import type { Finding } from './verdicts.ts';

const NOT_VERIFIABLE = 'the IAM API cannot verify a password, so its value was not checked';

export async function checkPassword(
  deps: { gateway: IamGateway; vault: Pick<SecretStore, 'versionIdAt'> },
  account: AccountRecord,
): Promise<Finding> {
  const name = account.userName;
  return withReadVerdicts(async () => {
    const user = await readOrVerdict(name, () => deps.gateway.getUser(name));
    if (user.userId !== account.userId) {
      return {
        verdict: 'user_recreated',
        detail: `IAM's user ${user.userName} has UserId ${user.userId}, not ${account.userId} as at import: it was deleted and recreated, and is another principal`,
      };
    }
    const profile = await readOrVerdict(name, () => deps.gateway.getLoginProfile(user.userName));
    if (profile === undefined) {
      return {
        verdict: 'login_profile_missing',
        detail: `user ${user.userName} has no console password (no login profile)`,
      };
    }
    if ((await deps.vault.versionIdAt(canonicalRef(account), 'current')) === undefined) {
      return {
        verdict: 'secret_unknown',
        detail: `user ${user.userName} has a console password, but the vault holds none for the account (imported without adopting it); ${NOT_VERIFIABLE}: adopt it or rotate`,
      };
    }
    return {
      verdict: 'in_sync',
      detail:
        account.passwordSource === 'adopted'
          ? `user ${user.userName} has a console password; ours was adopted from the caller and ${NOT_VERIFIABLE}`
          : `user ${user.userName} has a console password, last set by iam-pam; ${NOT_VERIFIABLE}`,
    };
  });
}
