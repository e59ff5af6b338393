/** `worker` and `api` refuse to start with a master key that does not match the vault. */
import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { createKeys } from '../../src/keys.ts';
import { createKeyring } from '../../src/vault/keyring.ts';
import { verifyMasterKey } from '../../src/vault/master-key-check.ts';
import { runCliProcess } from '../support/cli-process.ts';
import { freePort } from '../support/free-port.ts';
import { useTestRedis } from '../support/redis.ts';

const t = useTestRedis();

describe('a wrong master key', () => {
  it('stops worker and api at start with one line naming IAM_PAM_MASTER_KEY (exit 2)', async () => {
    await verifyMasterKey(
      t.redis,
      createKeys(t.prefix),
      createKeyring(randomBytes(32).toString('base64')),
    );
    const env = {
      ...t.env,
      IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64'),
      IAM_PAM_WORKER_HTTP_PORT: '0',
      IAM_PAM_HTTP_PORT: String(await freePort()),
    };
    const [worker, api] = await Promise.all([
      runCliProcess(['worker'], { env }),
      runCliProcess(['api'], { env }),
    ]);
    for (const run of [worker, api]) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^iam-pam: IAM_PAM_MASTER_KEY: does not match the vault, which was written with master key [0-9a-f]{16}/m,
      );
      expect(run.stderr).not.toContain(env.IAM_PAM_MASTER_KEY);
    }
  }, 60_000);
});
