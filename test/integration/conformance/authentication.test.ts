/**
 * Conformance: SigV4 authentication — regions, wrong secrets, unknown, deleted and Inactive
 * keys, tampered bodies, clock skew, unsigned requests, and IAM's propagation delay.
 */
import {
  ListUsersCommand,
  UpdateAccessKeyCommand,
  DeleteAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';

import { awsError } from '../../support/aws-errors.ts';
import { useIamAdmin, clientsFor } from '../../support/iam-admin.ts';
import { unsupportedOn } from '../../support/iam-backend.ts';
import { sendSigned, signQueryRequest } from '../../support/sign-query-request.ts';
import { waitFor } from '../../support/wait-for.ts';

const { backend, admin } = useIamAdmin();

const NO_AUTH = 'moto checks no signatures and accepts unknown, deleted and Inactive keys';
const verified = unsupportedOn({ moto: NO_AUTH });
const propagation = unsupportedOn({
  moto: 'moto has no propagation delay: a new key works at once',
  aws: "AWS's propagation delay cannot be set by a test",
});

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const callerOf = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
  const { sts } = clientsFor(backend.current, credentials);
  return sts.send(new GetCallerIdentityCommand({})).finally(() => sts.destroy());
};

describe(`authentication on ${process.env.IAM_TEST_BACKEND}`, () => {
  it('accepts a signature scoped to any region, as AWS does with a custom endpoint', async () => {
    for (const region of ['eu-west-1', 'ap-southeast-2']) {
      const { iam, sts } = clientsFor(backend.current, backend.current.credentials, { region });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toMatch(/^\d{12}$/);
      expect((await iam.send(new ListUsersCommand({ MaxItems: 1 }))).$metadata.httpStatusCode).toBe(
        200,
      );
      iam.destroy();
      sts.destroy();
    }
  });

  it("identifies the key's user in GetCallerIdentity", async () => {
    const principal = await admin.createPrincipal('conf-whoami');
    const caller = await principal.sts.send(new GetCallerIdentityCommand({}));
    expect(caller.Arn).toBe(principal.arn);
    expect(caller.Account).toMatch(/^\d{12}$/);
  });

  it.skipIf(verified.skip)(
    `refuses a wrong secret with SignatureDoesNotMatch 403${verified.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-badsecret');
      const error = await awsError(
        callerOf({
          accessKeyId: principal.credentials.accessKeyId,
          secretAccessKey: 'x'.repeat(40),
        }),
      );
      expect(error).toMatchObject({
        name: 'SignatureDoesNotMatch',
        status: 403,
        message: SIGNATURE_MISMATCH,
      });
    },
  );

  it.skipIf(verified.skip)(
    `refuses unknown and deleted keys with InvalidClientTokenId 403${verified.label}`,
    async () => {
      const unknown = await awsError(
        callerOf({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }),
      );
      expect(unknown).toMatchObject({
        name: 'InvalidClientTokenId',
        status: 403,
        message: 'The security token included in the request is invalid',
      });
      const principal = await admin.createPrincipal('conf-deleted');
      await admin.client.send(
        new DeleteAccessKeyCommand({
          UserName: principal.userName,
          AccessKeyId: principal.credentials.accessKeyId,
        }),
      );
      const deleted = await awsError(principal.iam.send(new ListUsersCommand({})));
      expect(deleted).toMatchObject({
        name: 'InvalidClientTokenId',
        status: 403,
        message: 'The security token included in the request is invalid.',
      });
    },
  );

  it.skipIf(verified.skip)(
    `refuses an Inactive key, and accepts it again once reactivated${verified.label}`,
    async () => {
      const principal = await admin.createPrincipal('conf-inactive');
      const setStatus = (Status: 'Active' | 'Inactive') =>
        admin.client.send(
          new UpdateAccessKeyCommand({
            UserName: principal.userName,
            AccessKeyId: principal.credentials.accessKeyId,
            Status,
          }),
        );
      await setStatus('Inactive');
      expect(await awsError(principal.sts.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: 'InvalidClientTokenId',
        status: 403,
      });
      await setStatus('Active');
      expect((await principal.sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(principal.arn);
    },
  );

  it.skipIf(verified.skip)(`refuses a body changed after signing${verified.label}`, async () => {
    const request = await signQueryRequest({
      endpoint: backend.current.endpoint ?? '',
      service: 'iam',
      credentials: backend.current.credentials,
      params: { Action: 'ListUsers', Version: '2010-05-08', MaxItems: '1' },
    });
    expect((await sendSigned(request)).status).toBe(200);
    const tampered = await sendSigned(request, request.body?.replace('MaxItems=1', 'MaxItems=9'));
    expect(tampered.status).toBe(403);
    expect(tampered.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it.skipIf(verified.skip)(
    `refuses a request signed over 15 minutes ago; the SDK then corrects its clock${verified.label}`,
    async () => {
      const old = await signQueryRequest({
        endpoint: backend.current.endpoint ?? '',
        service: 'sts',
        credentials: backend.current.credentials,
        params: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        signingDate: new Date(Date.now() - 20 * 60_000),
      });
      const refused = await sendSigned(old);
      expect(refused.status).toBe(403);
      expect(refused.text).toMatch(/<Message>Signature expired: \d{8}T\d{6}Z is now earlier than/);
      // A client whose clock is 20 minutes slow is refused once; the refusal's Date header
      // resets its offset, so its next call is signed with the right time.
      const skewed = new STSClient({
        region: backend.current.region,
        endpoint: backend.current.endpoint,
        credentials: backend.current.credentials,
        systemClockOffset: -20 * 60_000,
        maxAttempts: 1,
      });
      const first = await awsError(skewed.send(new GetCallerIdentityCommand({})));
      expect(first).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
      expect(first.message).toMatch(/^Signature expired: /);
      expect(Math.abs(skewed.config.systemClockOffset)).toBeLessThan(60_000);
      expect((await skewed.send(new GetCallerIdentityCommand({}))).Account).toMatch(/^\d{12}$/);
      skewed.destroy();
    },
  );

  it.skipIf(verified.skip)(`refuses an unsigned request${verified.label}`, async () => {
    const response = await fetch(`${backend.current.endpoint ?? ''}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it.skipIf(propagation.skip)(
    `refuses a new key with InvalidClientTokenId until IAM has propagated it${propagation.label}`,
    async () => {
      const sandbox = backend.current.sandbox;
      // The delay is what is tested: refused at first, accepted once it has passed.
      sandbox?.faults.set({ propagationDelayMs: 800 });
      try {
        const userName = await admin.createUser('conf-propagation');
        const key = await admin.createAccessKey(userName);
        const created = Date.now();
        const early = await awsError(callerOf(key));
        expect(early).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
        await waitFor('the new key to work', () =>
          callerOf(key).then(
            () => true,
            () => undefined,
          ),
        );
        expect(Date.now() - created).toBeGreaterThanOrEqual(700);
      } finally {
        sandbox?.faults.reset();
      }
    },
  );
});
