/**
 * The per-key registry of calls in flight (queue/signing-registry.ts) on a real Redis: one
 * entry per process while it has calls signed with a key, gone with the last; an entry whose
 * process stopped refreshing (killed, SIGSTOPped) expires by itself, so a drain never waits on
 * it for ever; a live holder makes a drain wait until it releases, or until the timeout.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { createKeys } from '../../src/keys.ts';
import { createSigningRegistry, type SigningRegistry } from '../../src/queue/signing-registry.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const keys = createKeys(t.prefix);
const registries: SigningRegistry[] = [];
const registry = (ttlMs: number) => {
  const made = createSigningRegistry({ redis: t.redis, keys, ttlMs });
  registries.push(made);
  return made;
};
afterAll(() => registries.forEach((r) => r.close()));

describe('the signing registry', () => {
  it('holds one entry per process while it has calls with a key, and drops it with the last', async () => {
    const a = registry(5_000);
    const b = registry(5_000);
    const first = await a.hold('AKIAONE');
    const second = await a.hold('AKIAONE');
    const other = await b.hold('AKIAONE');
    expect(first.announced).toBe(true);
    expect(second.announced).toBe(false);
    expect((await a.holders('AKIAONE')).sort()).toEqual([a.processId, b.processId].sort());
    first.release();
    first.release(); // twice changes nothing
    expect(await a.holders('AKIAONE')).toContain(a.processId);
    second.release();
    other.release();
    await t.redis.ping(); // the removals were sent before
    expect(await a.holders('AKIAONE')).toEqual([]);
  });

  it('drains at once when nobody holds the key, and says it waited for nothing', async () => {
    const outcome = await registry(5_000).drain('AKIANOBODY', 1_000);
    expect(outcome).toEqual({ heldBy: [], waitedMs: expect.any(Number), timedOut: false });
    expect(outcome.waitedMs).toBeLessThan(500);
  });

  it('waits until a live holder releases', async () => {
    const holder = registry(5_000);
    const hold = await holder.hold('AKIALIVE');
    setTimeout(() => hold.release(), 400);
    const outcome = await registry(5_000).drain('AKIALIVE', 5_000);
    expect(outcome.heldBy).toEqual([holder.processId]);
    expect(outcome.timedOut).toBe(false);
    expect(outcome.waitedMs).toBeGreaterThanOrEqual(300);
  });

  it("keeps a live holder's entry fresh past its TTL, and stops waiting at the timeout", async () => {
    const holder = registry(600);
    const hold = await holder.hold('AKIASLOW');
    const outcome = await registry(600).drain('AKIASLOW', 1_500);
    expect(outcome).toMatchObject({ timedOut: true, stillInFlight: [holder.processId] });
    expect(outcome.waitedMs).toBeGreaterThanOrEqual(1_500);
    hold.release();
  });

  it("lets a stopped process's entry expire: the drain ends without the timeout", async () => {
    const stopped = registry(600);
    await stopped.hold('AKIASTOPPED'); // never released
    stopped.close(); // no more refreshes, as in a killed or SIGSTOPped process
    const outcome = await registry(600).drain('AKIASTOPPED', 10_000);
    expect(outcome).toMatchObject({ heldBy: [stopped.processId], timedOut: false });
    expect(outcome.waitedMs).toBeLessThan(2_000);
    expect(await t.redis.zcard(keys.signingKey('AKIASTOPPED'))).toBe(0);
  });
});
