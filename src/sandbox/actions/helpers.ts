/** Lookups and XML pieces shared by the IAM actions. */
import type { Caller } from '../auth/caller.ts';
import { mustSpecifyUserName, noSuchUser } from '../protocol/iam-error.ts';
import { MARKER } from '../protocol/shapes.ts';
import type { Validator } from '../protocol/validator.ts';
import { DEFAULT_MAX_ITEMS } from '../rules/pagination.ts';
import { sortedTags } from '../rules/tag-rules.ts';
import type { UserRecord } from '../state/records.ts';
import { isoSeconds, xmlElement, xmlList, xmlText } from '../protocol/xml.ts';
import type { ActionContext } from './define-action.ts';

/** A named user, or the signing user when the name is omitted (roles must name one). */
export function targetUserName(given: string | undefined, caller: Caller): string {
  if (given !== undefined) {
    return given;
  }
  if (caller.kind !== 'user') {
    throw mustSpecifyUserName();
  }
  return caller.user.userName;
}

export function requireUser(context: ActionContext, userName: string): UserRecord {
  const user = context.state.findUser(userName);
  if (user === undefined) {
    throw noSuchUser(userName);
  }
  return user;
}

/** The ARN IAM authorizes user actions on (path included when the user exists). */
export function userResource(context: ActionContext, userName: string): string {
  return context.state.findUser(userName)?.arn ?? context.state.userArn('/', userName);
}

export interface PagingInput {
  marker: string | undefined;
  maxItems: number;
}

/** `Marker` and `MaxItems` (1–1000, default 100), capped by the short-pages fault. */
export function readPaging(v: Validator, context: ActionContext): PagingInput {
  const marker = v.string('Marker', 'marker', MARKER);
  const maxItems = v.int('MaxItems', 'maxItems', { min: 1, max: 1000 }) ?? DEFAULT_MAX_ITEMS;
  const cap = context.settings.maxPageItems;
  return { marker, maxItems: cap === undefined ? maxItems : Math.max(1, Math.min(cap, maxItems)) };
}

export function tagsXml(user: UserRecord): string {
  return xmlList(
    'Tags',
    sortedTags(user).map((tag) => xmlText('Key', tag.key) + xmlText('Value', tag.value)),
  );
}

/** The `User` members; GetUser adds Tags, ListUsers never does (iam-api.md §4.1, §4.2). */
export function userXml(user: UserRecord, withTags: boolean): string {
  const base =
    xmlText('Path', user.path) +
    xmlText('UserName', user.userName) +
    xmlText('UserId', user.userId) +
    xmlText('Arn', user.arn) +
    xmlText('CreateDate', isoSeconds(user.createdAt)) +
    (user.passwordLastUsed === undefined
      ? ''
      : xmlText('PasswordLastUsed', isoSeconds(user.passwordLastUsed)));
  return withTags && user.tags.size > 0 ? base + tagsXml(user) : base;
}

export function userElement(user: UserRecord): string {
  return xmlElement('User', userXml(user, true));
}
