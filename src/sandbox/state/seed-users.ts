/**
 * Deterministic seed data (`--seed-users N --seed S`): N users with realistic names and paths,
 * some with one or two access keys (some Inactive, some used), some with a console password,
 * some tagged. The same seed always gives the same users, ids and secrets.
 */
import { rememberPassword } from '../rules/password-rules.ts';
import type { AccountState } from './account-state.ts';
import { createIdGenerator } from './ids.ts';
import { newUser } from './new-entities.ts';
import { createPrng, type Prng } from './prng.ts';
import type { UserRecord } from './records.ts';

const FIRST =
  'alice bob carol dave erin frank grace heidi ivan judy karl liam mia noah olga pavel quinn rosa sam tara uma victor wendy xavier yara zoe'.split(
    ' ',
  );
const LAST =
  'adams baker chen diaz evans fischer garcia hughes ito jones kim lopez moreau novak okafor patel quispe rossi silva tanaka ueda varga weber xu young zhang'.split(
    ' ',
  );
const PATHS = [
  '/',
  '/',
  '/',
  '/',
  '/',
  '/',
  '/engineering/',
  '/engineering/',
  '/ops/',
  '/finance/',
];
const TEAMS = ['platform', 'payments', 'data', 'security', 'mobile'];
const SERVICES = ['iam', 'sts', 's3', 'ec2'];
const DAY_MS = 86_400_000;
/** Seeded history spans a fixed window, so dates do not depend on when the sandbox starts. */
const EPOCH = Date.UTC(2024, 0, 1);
const SPAN_SECONDS = 700 * 86_400;
const PASSWORD_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export interface SeedOptions {
  count: number;
  seed: string;
  /** Seeded times are capped at this (normally the sandbox's start). */
  now: number;
}

const pick = <T>(prng: Prng, items: readonly T[]): T => items[prng.int(items.length)] as T;

function seedPassword(prng: Prng): string {
  let body = '';
  for (let i = 0; i < 12; i++) {
    body += pick(prng, PASSWORD_CHARS.split(''));
  }
  // Upper, lower, digit and symbol: valid under AWS's default policy.
  return `Sb${body}7!`;
}

/** What one seeded user has, so the sandbox can name a few users worth trying. */
export interface SeededUser {
  userName: string;
  activeKeys: number;
  inactiveKeys: number;
  password: boolean;
}

function seedOne(state: AccountState, prng: Prng, index: number, options: SeedOptions): SeededUser {
  const ids = createIdGenerator(prng);
  const createdAt = Math.min(options.now, EPOCH + prng.int(SPAN_SECONDS) * 1000);
  const userName = `${pick(prng, FIRST)}.${pick(prng, LAST)}.${index}`;
  const user: UserRecord = newUser(state, ids, { userName, path: pick(prng, PATHS), createdAt });
  state.addUser(user);

  const roll = prng.next();
  const keyCount = roll < 0.35 ? 0 : roll < 0.8 ? 1 : 2;
  for (let k = 0; k < keyCount; k++) {
    const keyCreated = Math.min(options.now, createdAt + prng.int(90) * DAY_MS);
    const used = prng.next() < 0.6;
    state.addAccessKey({
      accessKeyId: ids.accessKeyId(),
      secretAccessKey: ids.secretAccessKey(),
      status: k === 1 && prng.next() < 0.5 ? 'Inactive' : 'Active',
      createdAt: keyCreated,
      validFrom: keyCreated,
      lastUsed: used
        ? {
            at: Math.min(options.now, keyCreated + prng.int(60) * DAY_MS),
            serviceName: pick(prng, SERVICES),
            region: 'us-east-1',
          }
        : undefined,
      user,
    });
  }
  if (prng.next() < 0.4) {
    const password = seedPassword(prng);
    rememberPassword(user, password);
    user.loginProfile = { password, createdAt, passwordResetRequired: prng.next() < 0.1 };
    if (prng.next() < 0.5) {
      user.passwordLastUsed = Math.min(options.now, createdAt + prng.int(300) * DAY_MS);
    }
  }
  if (prng.next() < 0.3) {
    const team = pick(prng, TEAMS);
    user.tags.set('team', { key: 'team', value: team });
  }
  return {
    userName,
    activeKeys: user.accessKeys.filter((key) => key.status === 'Active').length,
    inactiveKeys: user.accessKeys.filter((key) => key.status === 'Inactive').length,
    password: user.loginProfile !== undefined,
  };
}

export function seedUsers(state: AccountState, options: SeedOptions): SeededUser[] {
  const prng = createPrng(options.seed);
  const seeded: SeededUser[] = [];
  for (let i = 1; i <= options.count; i++) {
    seeded.push(seedOne(state, prng, i, options));
  }
  return seeded;
}
