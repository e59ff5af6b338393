/**
 * What the password rotation needs besides a run's ports (rotation-kind.ts): the account store
 * and the provider's lifecycle policy with the actions its last validation found denied. Wired
 * in src/app/password-rotation.ts.
 */
import type { AccountStore } from '../../../accounts/account-store.ts';
import type { LifecyclePolicy } from '../../../providers/lifecycle-policy.ts';

export interface PasswordRotationDeps {
  accounts: Pick<AccountStore, 'require' | 'update'>;
  providerOf(providerId: string): Promise<{ policy: LifecyclePolicy; denied: readonly string[] }>;
}
