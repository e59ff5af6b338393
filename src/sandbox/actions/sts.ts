/** STS GetCallerIdentity and AssumeRole (temporary `ASIA…` credentials with a session token). */
import { callerContext } from '../auth/caller.ts';
import { accessDenied, authorize } from '../policy/authorize.ts';
import { evaluateTrust } from '../policy/trust.ts';
import { IamError } from '../protocol/iam-error.ts';
import { ARN, EXTERNAL_ID, ROLE_SESSION_NAME } from '../protocol/shapes.ts';
import { isoSeconds, xmlElement, xmlText } from '../protocol/xml.ts';
import type { SessionRecord } from '../state/records.ts';
import { defineAction } from './define-action.ts';

export const getCallerIdentity = defineAction({
  name: 'GetCallerIdentity',
  service: 'sts',
  input: () => ({}),
  // "No permissions are required to perform this operation", even under an explicit deny.
  resource: () => null,
  run: (_input, { caller, state }) =>
    xmlText('Arn', caller.arn) +
    xmlText('UserId', caller.userId) +
    xmlText('Account', state.accountId),
});

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\u0021-\u007E]*\/)?([\w+=,.@-]+)$/;

/** Role chaining is capped at one hour by AWS. */
const CHAINED_MAX_SECONDS = 3600;

export const assumeRole = defineAction({
  name: 'AssumeRole',
  service: 'sts',
  input(v) {
    const roleArn = v.string('RoleArn', 'roleArn', ARN, true) ?? '';
    const roleSessionName =
      v.string('RoleSessionName', 'roleSessionName', ROLE_SESSION_NAME, true) ?? '';
    const durationSeconds = v.int('DurationSeconds', 'durationSeconds', { min: 900, max: 43200 });
    const externalId = v.string('ExternalId', 'externalId', EXTERNAL_ID);
    v.done();
    if (!/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(roleArn)) {
      throw new IamError('ValidationError', 400, `${roleArn} is invalid`);
    }
    return { roleArn, roleSessionName, durationSeconds, externalId };
  },
  // Trust and identity policies are both evaluated in run.
  resource: () => null,
  run({ roleArn, roleSessionName, durationSeconds, externalId }, context) {
    const { caller, state } = context;
    const denied = () => accessDenied(caller.arn, 'sts:AssumeRole', roleArn);
    const m = ROLE_ARN.exec(roleArn);
    const role = m !== null && m[1] === state.accountId ? state.findRole(m[2] ?? '') : undefined;
    // An unknown role looks exactly like a refused one: AWS reveals nothing.
    if (role === undefined || role.arn !== roleArn) {
      throw denied();
    }
    const trustContext = {
      ...callerContext(caller, state.accountId),
      ...(externalId === undefined ? {} : { 'sts:ExternalId': externalId }),
    };
    const verdict = evaluateTrust(role, caller, state.accountId, trustContext);
    if (verdict === 'denied') {
      throw denied();
    }
    // Trusting the account delegates the decision to the caller's own policies.
    if (verdict === 'account-trusted') {
      authorize(caller, state.accountId, 'sts:AssumeRole', role.arn);
    }
    const chained = caller.kind === 'session';
    const seconds = durationSeconds ?? 3600;
    if (chained && seconds > CHAINED_MAX_SECONDS) {
      throw new IamError(
        'ValidationError',
        400,
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      );
    }
    if (seconds > role.maxSessionDuration) {
      throw new IamError(
        'ValidationError',
        400,
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const session: SessionRecord = {
      accessKeyId: context.ids.sessionAccessKeyId(),
      secretAccessKey: context.ids.secretAccessKey(),
      sessionToken: context.ids.sessionToken(),
      expiresAt: context.now + seconds * 1000,
      role,
      sessionName: roleSessionName,
      arn: `arn:aws:sts::${state.accountId}:assumed-role/${role.roleName}/${roleSessionName}`,
      assumedRoleId: `${role.roleId}:${roleSessionName}`,
      lastUsed: undefined,
    };
    // Sessions sit in the same key index as access keys, so authentication finds them alike.
    state.addSession(session);
    return (
      xmlElement(
        'AssumedRoleUser',
        xmlText('AssumedRoleId', session.assumedRoleId) + xmlText('Arn', session.arn),
      ) +
      xmlElement(
        'Credentials',
        xmlText('AccessKeyId', session.accessKeyId) +
          xmlText('SecretAccessKey', session.secretAccessKey) +
          xmlText('SessionToken', session.sessionToken) +
          xmlText('Expiration', isoSeconds(session.expiresAt)),
      )
    );
  },
});
