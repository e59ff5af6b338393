/** Which Redis the demo uses with no configuration, in order; none at all is exit 3 in one line. */
import { describe, expect, it } from 'vitest';

import { chooseRedis, type DemoRedis, LOCAL_REDIS_URL } from '../../../src/demo/choose-redis.ts';
import { exitCodeOf } from '../../../src/errors.ts';

const privateRedis: DemoRedis = {
  url: 'redis://127.0.0.1:41234',
  description: 'a private redis-server on 127.0.0.1:41234',
  stop: async () => undefined,
};

function deps(options: { redisUrl?: string; localAnswers?: boolean; installed?: boolean }) {
  const asked: string[] = [];
  return {
    asked,
    deps: {
      redisUrl: options.redisUrl,
      answers: async (url: string) => {
        asked.push(url);
        return options.localAnswers === true;
      },
      startPrivate: async () => (options.installed === true ? privateRedis : undefined),
    },
  };
}

describe('chooseRedis', () => {
  it('uses REDIS_URL as given, without looking elsewhere', async () => {
    const { deps: d, asked } = deps({
      redisUrl: 'redis://:pw@redis.example:6380',
      installed: true,
    });
    const chosen = await chooseRedis(d);
    expect(chosen.url).toBe('redis://:pw@redis.example:6380');
    expect(chosen.description).not.toContain('pw');
    expect(asked).toEqual([]);
  });

  it('uses the Redis on 127.0.0.1:6379 when it answers', async () => {
    const { deps: d } = deps({ localAnswers: true, installed: true });
    expect((await chooseRedis(d)).url).toBe(LOCAL_REDIS_URL);
  });

  it('starts a private redis-server when nothing answers and one is installed', async () => {
    const { deps: d, asked } = deps({ localAnswers: false, installed: true });
    expect(await chooseRedis(d)).toBe(privateRedis);
    expect(asked).toEqual([LOCAL_REDIS_URL]);
  });

  it('says in one line how to get one, exit 3, when there is none', async () => {
    const { deps: d } = deps({ localAnswers: false, installed: false });
    const err: unknown = await chooseRedis(d).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(3);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/apt-get install redis-server/);
    expect(message).toMatch(/docker run .*redis/);
  });
});
