import { ReplyError } from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors/index.js';
import { describe, expect, it } from 'vitest';

import { isAppError, PermanentError, TransientError } from '../../../src/errors.ts';
import {
  describeRedisLocation,
  isRedisConnectionError,
  toRedisUnavailable,
} from '../../../src/queue/redis-errors.ts';

const redis = {
  url: 'redis://admin:hunter2-password@redis.internal:6380/0',
  prefix: 'iam-pam',
  cluster: undefined,
  sentinel: undefined,
};

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6380'), { code: 'ECONNREFUSED' });
const reply = (message: string) => new (ReplyError as new (message: string) => Error)(message);

describe('the Redis outage recogniser', () => {
  it('knows what ioredis throws when Redis goes away or cannot serve', () => {
    const thrown: Error[] = [
      new MaxRetriesPerRequestError(1) as Error,
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error("Cluster isn't ready and enableOfflineQueue options is false"),
      new Error('None of startup nodes is available'),
      new Error('All sentinels are unreachable. Retrying from scratch after 10ms.'),
      refused(),
      Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }),
      reply('LOADING Redis is loading the dataset in memory'),
      reply("READONLY You can't write against a read only replica."),
      reply('CLUSTERDOWN The cluster is down'),
      new Error('enqueue failed', { cause: refused() }),
    ];
    for (const err of thrown) {
      expect(isRedisConnectionError(err), err.message).toBe(true);
    }
  });

  it('leaves alone other errors, other replies and our own catalogued ones', () => {
    for (const err of [
      new Error('boom'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      reply('ERR unknown command'),
      reply('NOSCRIPT No matching script'),
      reply('WRONGPASS invalid username-password pair'),
      new Error('READONLY but not a reply'),
      new PermanentError('not_found', 'no such job', { cause: refused() }),
      'Connection is closed.',
      undefined,
    ]) {
      expect(isRedisConnectionError(err)).toBe(false);
    }
  });

  it('takes a socket error for Redis only when it is not another connection', () => {
    const refusedOn = (port: number) =>
      Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), {
        code: 'ECONNREFUSED',
        port,
      });
    expect(isRedisConnectionError(refusedOn(6380), redis)).toBe(true);
    expect(isRedisConnectionError(refusedOn(4599), redis)).toBe(false);
    const fromAwsSdk = Object.assign(new Error('socket hang up'), {
      code: 'ECONNRESET',
      $metadata: { attempts: 3 },
    });
    expect(isRedisConnectionError(fromAwsSdk, redis)).toBe(false);
    expect(toRedisUnavailable(refusedOn(4599), redis)).toBeInstanceOf(Error);
    expect(isAppError(toRedisUnavailable(refusedOn(4599), redis))).toBe(false);
  });

  it('names where Redis is without credentials', () => {
    expect(describeRedisLocation(redis)).toBe('redis.internal:6380');
    expect(describeRedisLocation({ ...redis, url: 'rediss://:pw@cache.example' })).toBe(
      'cache.example:6379',
    );
    expect(
      describeRedisLocation({
        ...redis,
        sentinel: { name: 'mymaster', sentinels: [{ host: '10.0.0.1', port: 26379 }] },
      }),
    ).toBe('sentinel master "mymaster" via 10.0.0.1:26379');
    expect(
      describeRedisLocation({
        ...redis,
        cluster: {
          nodes: [
            { host: '10.0.0.1', port: 6379 },
            { host: '10.0.0.2', port: 6379 },
          ],
        },
      }),
    ).toBe('cluster 10.0.0.1:6379,10.0.0.2:6379');
  });

  it('turns an outage into redis_unavailable saying what to do, and nothing else', () => {
    const err = toRedisUnavailable(new MaxRetriesPerRequestError(1), redis);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({
      code: 'redis_unavailable',
      message: expect.stringMatching(
        /^Redis at redis\.internal:6380 is unreachable \(Reached the max retries.*\); check it is running/,
      ),
    });
    expect((err as Error).message).not.toMatch(/hunter2|admin/);
    const other = new Error('boom');
    expect(toRedisUnavailable(other, redis)).toBe(other);
  });
});
