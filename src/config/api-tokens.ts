/** Parses `IAM_PAM_API_TOKENS`: comma-separated `name:token:scope+scope` entries. */

export const API_SCOPES = ['enqueue', 'read', 'secrets', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiToken {
  /** Who holds the token; the audit actor is `token:<name>`. */
  name: string;
  token: string;
  scopes: readonly ApiScope[];
}

const MIN_TOKEN_LENGTH = 16;

/** Returns the tokens, or throws an Error whose message says what is wrong (never the token). */
export function parseApiTokens(raw: string): ApiToken[] {
  if (raw.trim() === '') {
    return [];
  }
  const seen = new Set<string>();
  return raw.split(',').map((entry, index) => {
    const parts = entry.trim().split(':');
    const [name, token, scopeList] = parts;
    const where = `entry ${index + 1}`;
    if (parts.length !== 3 || !name || !token || !scopeList) {
      throw new Error(`${where} is not name:token:scope+scope`);
    }
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new Error(`${where}: the name must be 1-64 letters, digits, "_", "." or "-"`);
    }
    if (seen.has(name)) {
      throw new Error(`${where}: the name "${name}" is used twice`);
    }
    seen.add(name);
    if (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
      throw new Error(
        `${where} ("${name}"): the token must be at least ${MIN_TOKEN_LENGTH} printable characters`,
      );
    }
    const scopes = scopeList.split('+');
    for (const scope of scopes) {
      if (!(API_SCOPES as readonly string[]).includes(scope)) {
        throw new Error(
          `${where} ("${name}"): unknown scope "${scope}" (scopes: ${API_SCOPES.join(', ')})`,
        );
      }
    }
    return { name, token, scopes: scopes as ApiScope[] };
  });
}
