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
