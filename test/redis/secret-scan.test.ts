/** The secret scanner itself finds a planted secret in every Redis type, and nothing else. */
import { describe, expect, it } from 'vitest';

import { scanForSecrets } from '../support/secret-scan.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCyPLANTED';

describe('scanForSecrets', () => {
  it('finds a planted secret in strings, hashes, lists, sets, sorted sets and streams', async () => {
    const p = `{${t.prefix}}`;
    await t.redis.set(`${p}:s`, `x ${SECRET} y`);
    await t.redis.hset(`${p}:h`, 'data', JSON.stringify({ secretAccessKey: SECRET }));
    await t.redis.rpush(`${p}:l`, 'a', `stack: Error ${SECRET}`);
    await t.redis.sadd(`${p}:set`, SECRET);
    await t.redis.zadd(`${p}:z`, 1, `m-${SECRET}`);
    await t.redis.xadd(`${p}:x`, '*', 'entry', `{"v":"${SECRET}"}`);
    await t.redis.set(`${p}:b64`, Buffer.from(SECRET).toString('base64'));
    await t.redis.set(`${p}:clean`, 'nothing to see');
    const findings = await scanForSecrets(t.redis, t.prefix, [SECRET]);
    expect(findings.map((f) => `${f.type}:${f.key.slice(p.length + 1)}`).sort()).toEqual([
      'hash:h',
      'list:l',
      'set:set',
      'stream:x',
      'string:b64',
      'string:s',
      'zset:z',
    ]);
  });

  it('reports nothing when no secret is stored', async () => {
    expect(await scanForSecrets(t.redis, t.prefix, ['an-absent-secret-value'])).toEqual([]);
  });
});
