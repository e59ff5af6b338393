/**
 * A `linked` provider rotating the account it signs with (DESIGN.md "The provider's own key"),
 * with the production worker, a real Redis and the real AWS SDK against the IAM backend: the
 * rotation's own calls are signed with the key valid at each step (the old one until promote,
 * the verify polls with the new one, then the new one), a long-running process that had already
 * signed with the old key signs its next call with the new one without a restart, and the 2-key
 * quota follows the same rules as any rotation (a foreign key is never deleted). Many worker
 * processes, SIGSTOP and crashes: test/crash/provider-own-key*.test.ts.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { canonicalRef, parseAccountRef } from '../../src/accounts/account-ref.ts';
import { importAccount } from '../../src/accounts/import-account.ts';
import { createProductionJobs } from '../../src/app/production-jobs.ts';
import { createDomain, type Domain } from '../../src/domain.ts';
import { rotate } from '../../src/jobs/rotate/contract.ts';
import type { Sandbox } from '../../src/sandbox/create-sandbox.ts';
import { custom } from '../support/domain.ts';
import { authenticates } from '../support/authenticates.ts';
import { useEngine } from '../support/engine.ts';
import { createIamAdmin, type IamAdmin } from '../support/iam-admin.ts';
import { unsupportedOn, useIamBackend } from '../support/iam-backend.ts';

const engine = useEngine({
  createJobs: createProductionJobs,
  env: { IAM_PAM_MASTER_KEY: randomBytes(32).toString('base64') },
});
const backend = useIamBackend();
let admin: IamAdmin;
/** Another process's domain, as the API or the CLI hold it: its gateway cache outlives the rotation. */
let other: Domain;
const stsChecks = unsupportedOn({ moto: 'moto’s STS answers for any key (no key validity)' });

let providers = 0;
/** A provider whose credential is its own managed account `<id>/<user>/access-key`. */
async function linkedProvider() {
  providers += 1;
  const id = `own${providers}`;
  const signer = await admin.createPrincipal('pam-svc', [
    { Effect: 'Allow', Action: '*', Resource: '*' },
  ]);
  const body = {
    region: backend.current.region,
    ...(backend.current.endpoint ? { endpoints: { iam: backend.current.endpoint } } : {}),
    maxRps: 200,
  };
  await other.providers.put(id, { ...body, credential: custom(signer.credentials) }, 'test');
  const ref = parseAccountRef(`${id}/${signer.userName}/access-key`);
  const deps = {
    ...other,
    gatewayFor: other.clients.gatewayFor,
    verifierFor: other.clients.verifierFor,
  };
  await importAccount(deps, ref, { adoptSecret: signer.credentials }, 'test');
  // Switched to its own account once it is managed (CONTRACT.md `provider add`).
  await other.providers.put(
    id,
    { ...body, credential: { type: 'linked', account: canonicalRef(ref) } },
    'test',
  );
  return { id, ref, userName: signer.userName, oldKey: signer.credentials };
}

/** The rotation's own calls signed with the key valid at each step; nothing refused. */
function expectSignedAtEachStep(sandbox: Sandbox, from: number, oldId: string, newId: string) {
  // Each of the rotation's own calls signed with the key valid at its step.
  const signer = (action: string) =>
    sandbox
      .requests(from)
      .filter((r) => r.action === action && r.status === 200)
      .map((r) => r.accessKeyId);
  expect(signer('CreateAccessKey')).toEqual([oldId]);
  expect(new Set(signer('GetCallerIdentity'))).toEqual(new Set([newId]));
  expect(signer('TagUser')).toEqual([newId]);
  expect(signer('UpdateAccessKey')).toEqual([newId]);
  expect(signer('DeleteAccessKey')).toEqual([newId]);
  // The other process's last call (ListAccessKeys above): the new key, no restart.
  const last = sandbox.requests(from).filter((r) => r.action === 'ListAccessKeys');
  expect(last.at(-1)?.accessKeyId).toBe(newId);
  expect(sandbox.requests(from).filter((r) => r.accessKeyId === oldId && r.status !== 200)).toEqual(
    [],
  );
}

beforeAll(async () => {
  admin = createIamAdmin(backend.current);
  other = createDomain({ config: engine.config, redis: engine.redis.redis });
});

afterAll(async () => {
  other?.close();
  await admin?.cleanup();
});

describe(`a provider rotating its own key on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('rotates through the ordinary rotate job; another process’s next call signs with the new key', async () => {
    const { id, ref, userName, oldKey } = await linkedProvider();
    // The other process signs with the old key, and keeps its gateway.
    expect((await other.clients.gatewayFor(id).getUser(userName)).userName).toBe(userName);
    const from = backend.current.sandbox?.requests().at(-1)?.seq ?? 0;
    const job = await engine.enqueue(rotate, { ...ref, reason: 'test' });
    const status = await engine.finished(job, 30_000);
    expect(status.state, status.failedReason).toBe('completed');
    const current = await other.vault.read(canonicalRef(ref), 'current');
    if (current === undefined || !('accessKeyId' in current)) throw new Error('no current key');
    expect(status.result).toMatchObject({
      oldAccessKeyId: oldKey.accessKeyId,
      newAccessKeyId: current.accessKeyId,
    });
    const keys = await other.clients.gatewayFor(id).listAccessKeys(userName);
    expect(keys.map((k) => [k.accessKeyId, k.status])).toEqual([[current.accessKeyId, 'Active']]);
    const sandbox = backend.current.sandbox;
    if (sandbox !== undefined) {
      expectSignedAtEachStep(sandbox, from, oldKey.accessKeyId, current.accessKeyId);
    }
    if (!stsChecks.skip) {
      expect(await authenticates(backend.current, current)).toBe(true);
      expect(await authenticates(backend.current, oldKey)).toBe(false);
    }
  });

  it('at the 2-key quota: a foreign Active key → needs_decision; nothing deleted, the provider still works', async () => {
    const { id, ref, userName, oldKey } = await linkedProvider();
    const foreign = await admin.createAccessKey(userName);
    const job = await engine.enqueue(rotate, { ...ref, reason: 'test' });
    const status = await engine.finished(job, 30_000);
    expect(status.state).toBe('failed');
    expect(status.failedReason).toMatch(/needs_decision|2 access keys/);
    const keys = await other.clients.gatewayFor(id).listAccessKeys(userName);
    expect(keys.map((k) => [k.accessKeyId, k.status]).sort()).toEqual(
      [
        [oldKey.accessKeyId, 'Active'],
        [foreign.accessKeyId, 'Active'],
      ].sort(),
    );
    const current = await other.vault.read(canonicalRef(ref), 'current');
    expect(current).toMatchObject({ accessKeyId: oldKey.accessKeyId });
    const refused = (await engine.events.read({ limit: 10_000 })).filter(
      (e) => e.account === canonicalRef(ref) && e.type === 'rotation.refused',
    );
    expect(refused).toMatchObject([{ detail: { reason: 'needs_decision' } }]);
  });
});
