/**
 * Who is calling, from `IAM_PAM_API_TOKENS`. Tokens are compared in constant time (SHA-256 of
 * both sides, every configured token checked, no early exit), so response times say nothing
 * about how much of a token was right. Scopes: `read`, `enqueue`, `secrets`, `admin`; `admin`
 * implies `read` and `enqueue` but never `secrets` (reading a secret is always granted
 * explicitly).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { ApiScope, ApiToken } from '../config/api-tokens.ts';

export interface Principal {
  name: string;
  scopes: readonly ApiScope[];
}

/**
 * `<scheme> <credentials>` and nothing more (RFC 7235): a header with anything after the
 * credentials is refused, never read as its first word.
 */
const CREDENTIALS = /^(\S+) +(\S+)$/;

/** The text of canonical base64 only: Node's decoder skips garbage and decodes the rest. */
function decodeBase64(value: string): string | undefined {
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes.toString('utf8') : undefined;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export interface Authenticator {
  /** The caller of an `Authorization` header, or undefined. `basic` also accepts name:token. */
  identify(header: string | undefined, options?: { basic?: boolean }): Principal | undefined;
}

export function createAuthenticator(tokens: readonly ApiToken[]): Authenticator {
  const known = tokens.map((t) => ({
    ...t,
    tokenDigest: digest(t.token),
    nameDigest: digest(t.name),
  }));
  const match = (token: string, name: string | undefined): Principal | undefined => {
    const tokenDigest = digest(token);
    const nameDigest = digest(name ?? '');
    let found: Principal | undefined;
    for (const candidate of known) {
      const tokenOk = timingSafeEqual(candidate.tokenDigest, tokenDigest);
      const nameOk = name === undefined || timingSafeEqual(candidate.nameDigest, nameDigest);
      if (tokenOk && nameOk && found === undefined) {
        found = { name: candidate.name, scopes: candidate.scopes };
      }
    }
    return found;
  };
  return {
    identify(header, options = {}) {
      if (header === undefined) {
        return undefined;
      }
      const credentials = CREDENTIALS.exec(header.trim());
      if (credentials === null) {
        return undefined;
      }
      const [, scheme = '', value = ''] = credentials;
      if (scheme.toLowerCase() === 'bearer') {
        return match(value, undefined);
      }
      if (options.basic === true && scheme.toLowerCase() === 'basic') {
        const decoded = decodeBase64(value) ?? '';
        const colon = decoded.indexOf(':');
        return colon <= 0 ? undefined : match(decoded.slice(colon + 1), decoded.slice(0, colon));
      }
      return undefined;
    },
  };
}

export function hasScope(principal: Principal, scope: ApiScope): boolean {
  if (principal.scopes.includes(scope)) {
    return true;
  }
  return principal.scopes.includes('admin') && (scope === 'read' || scope === 'enqueue');
}
