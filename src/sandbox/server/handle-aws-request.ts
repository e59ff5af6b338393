/**
 * One IAM or STS request, end to end: log it, hold it under holdBefore until released, apply
 * latency, authenticate, apply faults, dispatch on `Action` (IAM and STS told apart by
 * `Version`, else the signing service), and answer — or, under dropResponse/holdAfter, apply
 * and then drop or hold the answer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ActionContext } from '../actions/define-action.ts';
import { findAction, VERSIONS } from '../actions/registry.ts';
import type { RequestLogEntry } from '../admin/request-log.ts';
import { authenticate, claimedAccessKeyId } from '../auth/authenticate.ts';
import { errorXml, type Service, successXml } from '../protocol/envelope.ts';
import { IamError } from '../protocol/iam-error.ts';
import { parseQueryParams } from '../protocol/query-params.ts';
import type { SandboxCore } from '../sandbox-core.ts';
import { loggableParams } from './loggable-params.ts';

function serviceOf(version: string | undefined, authorization: string | undefined): Service {
  if (version === VERSIONS.sts) {
    return 'sts';
  }
  if (version === VERSIONS.iam) {
    return 'iam';
  }
  return /Credential=[^/]+\/[^/]+\/[^/]+\/sts\//.test(authorization ?? '') ? 'sts' : 'iam';
}

const USER_AGENT_MAX = 512;

function userAgentOf(req: IncomingMessage): string | undefined {
  const header = req.headers['user-agent'];
  return header === undefined ? undefined : header.slice(0, USER_AGENT_MAX);
}

function attemptOf(req: IncomingMessage): number | undefined {
  const header = req.headers['amz-sdk-request'];
  const m = /attempt=(\d+)/.exec(typeof header === 'string' ? header : '');
  return m === null ? undefined : Number(m[1]);
}

interface Answer {
  status: number;
  xml: string;
  /** The error code, or null for a success. */
  code: string | null;
  /** Whether the action itself ran (only then may dropResponse/holdAfter apply). */
  ran: boolean;
}

/** Runs the action and returns what to answer. */
async function answer(
  core: SandboxCore,
  req: IncomingMessage,
  body: Buffer,
  entry: RequestLogEntry,
  requestId: string,
): Promise<Answer> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const params = parseQueryParams(query, req.method === 'POST' ? body.toString('utf8') : '');
  const action = params.get('Action');
  const version = params.get('Version');
  const service = serviceOf(version, req.headers.authorization);
  entry.action = action ?? null;
  entry.params = loggableParams(params);
  if (core.faults.takeHoldBefore(action ?? '')) {
    // Not yet authenticated: what happens meanwhile (a key deactivated) decides its answer.
    entry.held = true;
    await new Promise<void>((resolve) => core.held.hold(entry.seq, resolve));
    entry.held = false;
  }
  let ran = false;
  try {
    const delay = core.faults.latencyMs();
    if (delay > 0) {
      await sleep(delay);
    }
    const now = core.clock();
    // Authentication first: an unknown key learns nothing, not even whether the action exists.
    const { caller, region } = authenticate(
      { method: req.method ?? 'GET', path, query, headers: req.headers, body },
      service,
      core.state,
      now,
      core.signingKeys,
    );
    entry.accountId = core.state.accountId;
    const usedBy =
      caller.kind === 'user'
        ? caller.user.accessKeys.find((k) => k.accessKeyId === caller.accessKeyId)
        : caller.session;
    if (usedBy !== undefined) {
      usedBy.lastUsed = { at: now, serviceName: service, region };
    }
    // Faults refuse after authentication, so the rate ceiling counts only the account's calls.
    const refused = core.faults.refuse(core.state.accountId, action ?? '', now);
    if (refused !== undefined) {
      throw refused;
    }
    if (action === undefined) {
      throw new IamError('MissingAction', 400, 'Missing Action');
    }
    const handler = findAction(service, action);
    if (handler === undefined || (version !== undefined && version !== VERSIONS[service])) {
      throw new IamError(
        'InvalidAction',
        400,
        `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
      );
    }
    const faults = core.faults.current();
    const context: ActionContext = {
      state: core.state,
      caller,
      params,
      now,
      region,
      ids: core.ids,
      markers: core.markers,
      settings: {
        propagationDelayMs: faults.propagationDelayMs,
        maxPageItems: faults.maxPageItems ?? undefined,
        usersPerAccount: core.usersPerAccount,
      },
    };
    ran = true;
    const result = handler.handle(context);
    return { status: 200, xml: successXml(service, action, result, requestId), code: null, ran };
  } catch (err) {
    if (err instanceof IamError) {
      return { status: err.status, xml: errorXml(service, err, requestId), code: err.code, ran };
    }
    core.logger?.error({ err, action }, 'sandbox: unexpected error in an action');
    const failure = new IamError('InternalFailure', 500, 'An internal error occurred.');
    return { status: 500, xml: errorXml(service, failure, requestId), code: failure.code, ran };
  }
}

export async function handleAwsRequest(
  core: SandboxCore,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  const entry = core.log.append({
    at: new Date(core.clock()).toISOString(),
    accountId: null,
    accessKeyId: claimedAccessKeyId(req.headers.authorization) ?? null,
    action: null,
    params: {},
    status: null,
    code: null,
    attempt: attemptOf(req),
    userAgent: userAgentOf(req),
  });
  const requestId = randomUUID();
  const { status, xml, code, ran } = await answer(core, req, body, entry, requestId);
  entry.status = status;
  entry.code = code;
  const payload = Buffer.from(xml);
  const send = () => {
    res.writeHead(status, {
      // From the sandbox's clock: the SDK corrects its own clock from this header.
      Date: new Date(core.clock()).toUTCString(),
      'Content-Type': 'text/xml',
      'Content-Length': payload.length,
      'x-amzn-RequestId': requestId,
    });
    res.end(payload);
  };
  const action = entry.action ?? '';
  if (ran && core.faults.takeDrop(action)) {
    // The action is applied; the caller never learns its outcome (a lost response).
    entry.dropped = true;
    req.socket.destroy();
    return;
  }
  if (ran && core.faults.takeHold(action)) {
    entry.held = true;
    core.held.hold(entry.seq, () => {
      entry.held = false;
      send();
    });
    return;
  }
  send();
}
