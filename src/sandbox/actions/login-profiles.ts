/** GetLoginProfile, CreateLoginProfile, UpdateLoginProfile, DeleteLoginProfile. */
import { IamError, noSuchLoginProfile } from '../protocol/iam-error.ts';
import { PASSWORD, USER_NAME } from '../protocol/shapes.ts';
import { isoSeconds, xmlElement, xmlText } from '../protocol/xml.ts';
import { checkPassword, rememberPassword } from '../rules/password-rules.ts';
import type { UserRecord } from '../state/records.ts';
import { type ActionContext, defineAction } from './define-action.ts';
import { requireUser, targetUserName, userResource } from './helpers.ts';

function profileXml(user: UserRecord): string {
  const profile = user.loginProfile;
  return xmlElement(
    'LoginProfile',
    xmlText('UserName', user.userName) +
      xmlText('CreateDate', isoSeconds(profile?.createdAt ?? 0)) +
      xmlText('PasswordResetRequired', profile?.passwordResetRequired ?? false),
  );
}

function requireProfile(context: ActionContext, userName: string): UserRecord {
  const user = requireUser(context, userName);
  if (user.loginProfile === undefined) {
    throw noSuchLoginProfile(user.userName);
  }
  return user;
}

function setPassword(context: ActionContext, user: UserRecord, password: string): void {
  checkPassword(password, context.state.passwordPolicy, user);
  rememberPassword(user, password);
}

export const getLoginProfile = defineAction({
  name: 'GetLoginProfile',
  service: 'iam',
  input(v, _params, context) {
    const given = v.string('UserName', 'userName', USER_NAME);
    v.done();
    return { userName: targetUserName(given, context.caller) };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run: ({ userName }, context) => profileXml(requireProfile(context, userName)),
});

export const createLoginProfile = defineAction({
  name: 'CreateLoginProfile',
  service: 'iam',
  input(v, _params, context) {
    const given = v.string('UserName', 'userName', USER_NAME);
    // Optional in the model only for AssumeRoot sessions; required for every other caller.
    const password = v.string('Password', 'password', PASSWORD, true) ?? '';
    const passwordResetRequired = v.bool('PasswordResetRequired', 'passwordResetRequired');
    v.done();
    return {
      userName: targetUserName(given, context.caller),
      password,
      passwordResetRequired: passwordResetRequired ?? false,
    };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, password, passwordResetRequired }, context) {
    const user = requireUser(context, userName);
    // A second profile is refused whatever the password; the policy is checked after.
    if (user.loginProfile !== undefined) {
      throw new IamError(
        'EntityAlreadyExists',
        409,
        `Login Profile for user ${user.userName} already exists.`,
      );
    }
    setPassword(context, user, password);
    user.loginProfile = { password, createdAt: context.now, passwordResetRequired };
    return profileXml(user);
  },
});

export const updateLoginProfile = defineAction({
  name: 'UpdateLoginProfile',
  service: 'iam',
  input(v) {
    return {
      userName: v.string('UserName', 'userName', USER_NAME, true) ?? '',
      password: v.string('Password', 'password', PASSWORD),
      passwordResetRequired: v.bool('PasswordResetRequired', 'passwordResetRequired'),
    };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, password, passwordResetRequired }, context) {
    // Omitted fields stay as they are: an update is not a reset (§4.6).
    const user = requireProfile(context, userName);
    const profile = user.loginProfile;
    if (profile === undefined) {
      return undefined;
    }
    if (password !== undefined) {
      setPassword(context, user, password);
      profile.password = password;
      // GetLoginProfile's CreateDate is when the password was last set.
      profile.createdAt = context.now;
    }
    if (passwordResetRequired !== undefined) {
      profile.passwordResetRequired = passwordResetRequired;
    }
    return undefined;
  },
});

export const deleteLoginProfile = defineAction({
  name: 'DeleteLoginProfile',
  service: 'iam',
  input(v, _params, context) {
    const given = v.string('UserName', 'userName', USER_NAME);
    v.done();
    return { userName: targetUserName(given, context.caller) };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName }, context) {
    requireProfile(context, userName).loginProfile = undefined;
    return undefined;
  },
});
