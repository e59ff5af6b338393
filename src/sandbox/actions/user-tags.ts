/** ListUserTags, TagUser, UntagUser. */
import { EXISTING_USER_NAME } from '../protocol/shapes.ts';
import { xmlList, xmlText } from '../protocol/xml.ts';
import { pageByOffset, pageXml } from '../rules/pagination.ts';
import {
  applyTags,
  checkTagSemantics,
  readTagKeys,
  readTags,
  sortedTags,
} from '../rules/tag-rules.ts';
import { defineAction } from './define-action.ts';
import { readPaging, requireUser, userResource } from './helpers.ts';

export const listUserTags = defineAction({
  name: 'ListUserTags',
  service: 'iam',
  input(v, _params, context) {
    const userName = v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '';
    return { userName, ...readPaging(v, context) };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, marker, maxItems }, context) {
    const user = requireUser(context, userName);
    // "The returned list of tags is sorted by tag key." (the model's doc)
    const page = pageByOffset(sortedTags(user), {
      marker,
      maxItems,
      scope: `ListUserTags\n${user.userId}`,
      codec: context.markers,
    });
    const members = page.items.map((tag) => xmlText('Key', tag.key) + xmlText('Value', tag.value));
    return xmlList('Tags', members) + pageXml(page);
  },
});

export const tagUser = defineAction({
  name: 'TagUser',
  service: 'iam',
  input(v, params) {
    const userName = v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '';
    const tags = readTags(v, params, true) ?? [];
    v.done();
    // One bad tag fails the whole request, before the user is even looked up (§4.11).
    checkTagSemantics(tags);
    return { userName, tags };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, tags }, context) {
    applyTags(requireUser(context, userName), tags);
    return undefined;
  },
});

export const untagUser = defineAction({
  name: 'UntagUser',
  service: 'iam',
  input(v) {
    const userName = v.string('UserName', 'userName', EXISTING_USER_NAME, true) ?? '';
    return { userName, tagKeys: readTagKeys(v, true) ?? [] };
  },
  resource: ({ userName }, context) => userResource(context, userName),
  run({ userName, tagKeys }, context) {
    const user = requireUser(context, userName);
    // Keys the user does not have are ignored, as moto and LocalStack do (§4.12, inferred).
    for (const key of tagKeys) {
      user.tags.delete(key.toLowerCase());
    }
    return undefined;
  },
});
