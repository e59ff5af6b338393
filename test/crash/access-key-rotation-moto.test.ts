/**
 * One failpoint crash case of the access-key rotation on moto, in npm test (all of them:
 * test/slow/access-key-crash-every-step-moto.test.ts): a worker SIGKILLed once the new key is
 * created and stored pending, a fresh worker verifies, promotes and retires the old key; the end
 * state holds as far as moto shows it (test/support/access-key-crash.ts).
 */
import { describe, expect, it } from 'vitest';

import { useAccessKeyCrash } from '../support/access-key-crash.ts';
import { expectKilledOnceAt } from '../support/access-key-failpoint-cases.ts';
import { MOTO_CANNOT_SHOW } from '../support/moto-cannot-show.ts';

const crash = useAccessKeyCrash(['after-create'], 'moto');

describe(`an access-key rotation killed on moto [${MOTO_CANNOT_SHOW}]`, () => {
  it('killed after create (the new key pending), a fresh worker finishes; the end state holds', async () => {
    await expectKilledOnceAt(crash, 'create', 'after-create', 'standby');
  }, 60_000);

  it('no worker logged a secret', () => {
    expect(crash.secretsInLogs()).toEqual([]);
  });
});
