/**
 * Runs an IAM action as the bootstrap administrator, in-process: what someone does in the
 * console behind the back of the code under test (the demo deactivates a key, grants a
 * permission). The action's own validation, authorization and rules apply as for a signed
 * request; there is no HTTP, no signature, no latency or fault, and no request-log entry.
 */
import type { ActionContext } from '../actions/define-action.ts';
import { findAction } from '../actions/registry.ts';
import { parseQueryParams } from '../protocol/query-params.ts';
import type { SandboxCore } from '../sandbox-core.ts';
import { ADMIN_USER_NAME } from '../state/bootstrap-admin.ts';

/** The `…Result` members as XML (empty for an action without output); IamError on a refusal. */
export function runAsAdmin(
  core: SandboxCore,
  action: string,
  params: Record<string, string>,
): string {
  const handler = findAction('iam', action);
  if (handler === undefined) {
    throw new Error(`sandbox: no IAM action ${action}`);
  }
  const admin = core.state.findUser(ADMIN_USER_NAME);
  const key = admin?.accessKeys[0];
  if (admin === undefined || key === undefined) {
    throw new Error('sandbox: the bootstrap administrator is gone');
  }
  const query = new URLSearchParams({ Action: action, ...params }).toString();
  const faults = core.faults.current();
  const context: ActionContext = {
    state: core.state,
    caller: {
      kind: 'user',
      user: admin,
      accessKeyId: key.accessKeyId,
      arn: admin.arn,
      userId: admin.userId,
    },
    params: parseQueryParams(query, ''),
    now: core.clock(),
    region: 'us-east-1',
    ids: core.ids,
    markers: core.markers,
    settings: {
      propagationDelayMs: faults.propagationDelayMs,
      maxPageItems: undefined,
      usersPerAccount: core.usersPerAccount,
    },
  };
  return handler.handle(context) ?? '';
}
