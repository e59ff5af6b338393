/** Small in-memory sandbox states for unit tests of the sandbox's parts. */
import { createAccountState } from '../../../src/sandbox/state/account-state.ts';
import { createIdGenerator } from '../../../src/sandbox/state/ids.ts';
import { newAccessKey, newUser } from '../../../src/sandbox/state/new-entities.ts';
import { createPrng } from '../../../src/sandbox/state/prng.ts';

export const ACCOUNT = '123456789012';

export function stateWithUser(options: { propagationDelayMs?: number; now?: number } = {}) {
  const state = createAccountState(ACCOUNT);
  const ids = createIdGenerator(createPrng('unit'));
  const now = options.now ?? Date.now();
  const user = newUser(state, ids, { userName: 'alice', path: '/team/', createdAt: now });
  state.addUser(user);
  const key = newAccessKey(user, ids, {
    createdAt: now,
    propagationDelayMs: options.propagationDelayMs ?? 0,
  });
  state.addAccessKey(key);
  return { state, ids, user, key };
}
