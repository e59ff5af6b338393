/** What a provider body may say, and how a linked credential is stored. */
import { describe, expect, it } from 'vitest';

import { parseInput } from '../../../src/describe-zod-error.ts';
import { providerInputSchema, toStoredCredential } from '../../../src/providers/provider-schema.ts';

const linked = (account: string) => ({ credential: { type: 'linked', account } });

describe('a linked credential', () => {
  it('is stored as the canonical account reference (user name lower-cased)', () => {
    const input = parseInput(providerInputSchema, linked('prod/PAM-svc/access-key'));
    expect(toStoredCredential(input.credential)).toEqual({
      type: 'linked',
      account: 'prod/pam-svc/access-key',
    });
  });

  it.each([
    ['prod/pam-svc/password', /credential\.account: must be an access-key account/],
    ['prod/pam-svc', /credential\.account: account "prod\/pam-svc": expected <provider>/],
    ['Prod/pam-svc/access-key', /credential\.account: provider "Prod": must be 1-63 lower-case/],
    ['prod/bad name!/access-key', /credential\.account: user name "bad name!": must be 1-64/],
  ])('refuses %s, naming what is wrong', (account, message) => {
    expect(() => parseInput(providerInputSchema, linked(account))).toThrow(message);
  });

  it('names at most three problems and counts the rest', () => {
    const body = { region: 1, description: 2, maxRps: 'x', policy: 3, credential: {} };
    expect(() => parseInput(providerInputSchema, body)).toThrow(/; and 2 more$/);
  });
});
