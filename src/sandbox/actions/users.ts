/** CreateUser, GetUser, ListUsers, DeleteUser. */
import { deleteConflict, IamError, limitExceeded } from '../protocol/iam-error.ts';
import { EXISTING_USER_NAME, PATH, PATH_PREFIX, USER_NAME } from '../protocol/shapes.ts';
import { xmlList } from '../protocol/xml.ts';
import { pageXml, takePage } from '../rules/pagination.ts';
import { applyTags, checkTagSemantics, readTags } from '../rules/tag-rules.ts';
import { newUser } from '../state/new-entities.ts';
import { defineAction } from './define-action.ts';
import {
  readPaging,
  requireUser,
  targetUserName,
  userElement,
  userResource,
  userXml,
} from './helpers.ts';

export const createUser = defineAction({
  name: 'CreateUser',
  service: 'iam',
  input(v, params) {
    const path = v.string('Path', 'path', PATH) ?? '/';
    const userName = v.string('UserName', 'userName', USER_NAME, true) ?? '';
    const tags = readTags(v, params, false) ?? [];
    v.done();
    checkTagSemantics(tags);
    return { path, userName, tags };
  },
  resource: ({ path, userName }, context) => context.state.userArn(path, userName),
  run({ path, userName, tags }, context) {
    const { state } = context;
    // Lookups are case-insensitive, so `Alice` collides with `alice` (iam-api.md §5).
    if (state.findUser(userName) !== undefined) {
      throw new IamError('EntityAlreadyExists', 409, `User with name ${userName} already exists.`);
    }
    if (state.userCount >= context.settings.usersPerAccount) {
      throw limitExceeded(
        `Cannot exceed quota for UsersPerAccount: ${context.settings.usersPerAccount}`,
      );
    }
    const user = newUser(state, context.ids, { userName, path, createdAt: context.now });
    applyTags(user, tags);
    state.addUser(user);
    return userElement(user);
  },
});

export const getUser = defineAction({
  name: 'GetUser',
  service: 'iam',
  input(v, _params, context) {
    const given = v.string('UserName', 'userName', EXISTING_USER_NAME);
    v.done();
    return { userName: targetUserName(given, context.caller) };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run: ({ userName }, context) => userElement(requireUser(context, userName)),
});

export const listUsers = defineAction({
  name: 'ListUsers',
  service: 'iam',
  input(v, _params, context) {
    const pathPrefix = v.string('PathPrefix', 'pathPrefix', PATH_PREFIX) ?? '/';
    return { pathPrefix, ...readPaging(v, context) };
  },
  resource: (_input, context) => `arn:aws:iam::${context.state.accountId}:user/`,
  run({ pathPrefix, marker, maxItems }, context) {
    // The marker is the last name listed: users created or deleted between two pages neither
    // repeat nor shift what is left to list. It is bound to the prefix it was issued for.
    const scope = `ListUsers\n${pathPrefix}`;
    const after = marker === undefined ? undefined : context.markers.decode(scope, marker);
    const matching = filter(context.state.usersAfter(after), (u) => u.path.startsWith(pathPrefix));
    const page = takePage(matching, maxItems, scope, context.markers, (u) =>
      u.userName.toLowerCase(),
    );
    // A user's listed fields never change, so each <member> body is built once.
    const members = page.items.map((user) => (user.listXml ??= userXml(user, false)));
    return xmlList('Users', members) + pageXml(page);
  },
});

function* filter<T>(items: Iterable<T>, keep: (item: T) => boolean): Generator<T> {
  for (const item of items) {
    if (keep(item)) {
      yield item;
    }
  }
}

export const deleteUser = defineAction({
  name: 'DeleteUser',
  service: 'iam',
  input(v) {
    return { userName: v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '' };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName }, context) {
    const user = requireUser(context, userName);
    // AWS refuses to delete a user who still owns credentials or policies (DeleteConflict).
    if (user.loginProfile !== undefined) {
      throw deleteConflict('Cannot delete entity, must delete login profile first.');
    }
    if (user.accessKeys.length > 0) {
      throw deleteConflict('Cannot delete entity, must delete access keys first.');
    }
    if (user.policies.size > 0) {
      throw deleteConflict('Cannot delete entity, must delete policies first.');
    }
    context.state.removeUser(user);
    return undefined;
  },
});
