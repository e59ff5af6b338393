/**
 * Identifiers in AWS's formats (iam-api.md §4.7, §5): `AKIA`/`ASIA` + 16 characters of A–Z2–7
 * for access keys, 40-character secrets, `AIDA`/`AROA` + 17 for user and role ids.
 */
import { randomBytes } from 'node:crypto';

import type { Prng } from './prng.ts';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export interface IdGenerator {
  accessKeyId(): string;
  sessionAccessKeyId(): string;
  secretAccessKey(): string;
  userId(): string;
  roleId(): string;
  sessionToken(): string;
}

/** Random ids from `bytes` (crypto by default, a seeded PRNG for deterministic seeding). */
export function createIdGenerator(prng?: Prng): IdGenerator {
  const bytes = (n: number): Buffer => (prng === undefined ? randomBytes(n) : prng.bytes(n));
  const pick = (alphabet: string, length: number): string => {
    let out = '';
    for (const byte of bytes(length)) {
      out += alphabet[byte % alphabet.length];
    }
    return out;
  };
  return {
    accessKeyId: () => `AKIA${pick(ID_ALPHABET, 16)}`,
    sessionAccessKeyId: () => `ASIA${pick(ID_ALPHABET, 16)}`,
    secretAccessKey: () => pick(SECRET_ALPHABET, 40),
    userId: () => `AIDA${pick(ID_ALPHABET, 17)}`,
    roleId: () => `AROA${pick(ID_ALPHABET, 17)}`,
    // Real session tokens are long opaque base64 blobs; the length is only for realism.
    sessionToken: () => `IQoJb3JpZ2luX2VjE${bytes(192).toString('base64')}`,
  };
}
