/**
 * Which Redis the demo uses, with no configuration: REDIS_URL when set, else the one answering
 * on 127.0.0.1:6379, else a private redis-server it starts (when one is installed), else it
 * stops with one line saying how to get one (exit 3). Whichever it is, the demo keeps its keys
 * under a prefix of its own and refuses a Redis that may evict (checkRedis, at connection).
 */
import { TransientError } from '../errors.ts';
import { describeRedisUrl } from '../queue/redis-connections.ts';

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

export interface DemoRedis {
  url: string;
  /** For people: which Redis this is. */
  description: string;
  /** Stops it when the demo started it; nothing otherwise. */
  stop(): Promise<void>;
}

export interface ChooseRedisDeps {
  /** REDIS_URL, when set. */
  redisUrl: string | undefined;
  /** Whether a Redis answers at `url` (a short connection attempt). */
  answers(url: string): Promise<boolean>;
  /** A private redis-server on a free port, or undefined when none is installed. */
  startPrivate(): Promise<DemoRedis | undefined>;
}

export const NO_REDIS_MESSAGE =
  'no Redis: REDIS_URL is unset, nothing answers on 127.0.0.1:6379 and redis-server is not installed; install it (sudo apt-get install redis-server) or start one with Docker (docker run -d -p 6379:6379 redis:7 --maxmemory-policy noeviction), then run the demo again';

const nothingToStop = async () => undefined;

export async function chooseRedis(deps: ChooseRedisDeps): Promise<DemoRedis> {
  if (deps.redisUrl !== undefined && deps.redisUrl !== '') {
    // Used as given: if it does not answer, the connection check says so (exit 3).
    return {
      url: deps.redisUrl,
      description: `REDIS_URL (${describeRedisUrl(deps.redisUrl)})`,
      stop: nothingToStop,
    };
  }
  if (await deps.answers(LOCAL_REDIS_URL)) {
    return {
      url: LOCAL_REDIS_URL,
      description: `the Redis on ${describeRedisUrl(LOCAL_REDIS_URL)}`,
      stop: nothingToStop,
    };
  }
  const started = await deps.startPrivate();
  if (started !== undefined) {
    return started;
  }
  throw new TransientError('redis_unavailable', NO_REDIS_MESSAGE);
}
