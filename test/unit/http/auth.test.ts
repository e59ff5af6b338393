import { describe, expect, it } from 'vitest';

import { createAuthenticator, hasScope } from '../../../src/http/auth.ts';

const auth = createAuthenticator([
  { name: 'ci', token: 'ci-token-0123456789', scopes: ['enqueue', 'read'] },
  { name: 'ops', token: 'ops-token-0123456789', scopes: ['admin'] },
  { name: 'vault', token: 'vault-token-0123456789', scopes: ['secrets'] },
]);
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('the authenticator', () => {
  it('finds the caller of a bearer token, and nobody for a wrong, partial or missing one', () => {
    expect(auth.identify('Bearer ci-token-0123456789')).toEqual({
      name: 'ci',
      scopes: ['enqueue', 'read'],
    });
    expect(auth.identify('bearer   ops-token-0123456789')?.name).toBe('ops');
    expect(auth.identify('Bearer ci-token-012345678')).toBeUndefined();
    expect(auth.identify('Bearer ')).toBeUndefined();
    expect(auth.identify(undefined)).toBeUndefined();
    expect(auth.identify('Token ci-token-0123456789')).toBeUndefined();
  });

  it('accepts basic auth (token name and token) only where asked, and only as a pair', () => {
    expect(auth.identify(basic('ops:ops-token-0123456789'))).toBeUndefined();
    expect(auth.identify(basic('ops:ops-token-0123456789'), { basic: true })?.name).toBe('ops');
    expect(auth.identify(basic('ci:ops-token-0123456789'), { basic: true })).toBeUndefined();
    expect(auth.identify(basic(':ops-token-0123456789'), { basic: true })).toBeUndefined();
  });

  it('accepts exactly a scheme and one token, with whitespace only around them', () => {
    expect(auth.identify('  Bearer ci-token-0123456789 \t')?.name).toBe('ci');
    expect(auth.identify('Bearer ci-token-0123456789 extra')).toBeUndefined();
    expect(auth.identify('Bearer ci-token-0123456789 ops-token-0123456789')).toBeUndefined();
    expect(auth.identify('Bearer\tci-token-0123456789')).toBeUndefined();
    expect(auth.identify('Bearer')).toBeUndefined();
    expect(auth.identify('ci-token-0123456789')).toBeUndefined();
    expect(
      auth.identify(`${basic('ops:ops-token-0123456789')} extra`, { basic: true }),
    ).toBeUndefined();
  });

  it('refuses basic credentials that are not canonical base64', () => {
    const ops = Buffer.from('ops:ops-token-0123456789').toString('base64');
    // Node's decoder skips what is not base64 and would decode the rest.
    expect(auth.identify(`Basic ${ops}!!`, { basic: true })).toBeUndefined();
    expect(auth.identify(`Basic *${ops}`, { basic: true })).toBeUndefined();
    const ci = Buffer.from('ci:ci-token-0123456789').toString('base64');
    expect(ci).toMatch(/==$/);
    expect(auth.identify(`Basic ${ci}`, { basic: true })?.name).toBe('ci');
    expect(auth.identify(`Basic ${ci.replace(/=+$/, '')}`, { basic: true })).toBeUndefined();
  });

  it('lets admin imply read and enqueue, but never secrets', () => {
    const ops = auth.identify('Bearer ops-token-0123456789')!;
    expect(hasScope(ops, 'read')).toBe(true);
    expect(hasScope(ops, 'enqueue')).toBe(true);
    expect(hasScope(ops, 'secrets')).toBe(false);
    const vault = auth.identify('Bearer vault-token-0123456789')!;
    expect(hasScope(vault, 'secrets')).toBe(true);
    expect(hasScope(vault, 'read')).toBe(false);
  });
});
