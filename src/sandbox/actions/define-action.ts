/**
 * The shape of one wire action: read and validate its input (no lookups yet), name the
 * resource IAM authorizes it on, then run it against the account. `handle` keeps that order
 * for every action: validation, authorization, then entities (iam-api.md §3, "Order").
 */
import type { Caller } from '../auth/caller.ts';
import { authorize } from '../policy/authorize.ts';
import type { Service } from '../protocol/envelope.ts';
import type { QueryParams } from '../protocol/query-params.ts';
import { createValidator, type Validator } from '../protocol/validator.ts';
import type { MarkerCodec } from '../rules/pagination.ts';
import type { AccountState } from '../state/account-state.ts';
import type { IdGenerator } from '../state/ids.ts';

export interface ActionSettings {
  /** New access keys answer InvalidClientTokenId this long after creation. */
  propagationDelayMs: number;
  /** A fault: pages hold at most this many items (IAM "might return fewer results"). */
  maxPageItems: number | undefined;
  /** IAM users per account (AWS: 5000); seeding is not subject to it. */
  usersPerAccount: number;
}

export interface ActionContext {
  state: AccountState;
  caller: Caller;
  params: QueryParams;
  /** ms since the epoch, from the sandbox's clock. */
  now: number;
  /** The credential scope's region. */
  region: string;
  ids: IdGenerator;
  markers: MarkerCodec;
  settings: ActionSettings;
}

export interface ActionSpec<Input> {
  name: string;
  service: Service;
  /** Reads and validates parameters; may call `v.done()` early to order its own checks. */
  input(v: Validator, params: QueryParams, context: ActionContext): Input;
  /** The resource to authorize `<service>:<name>` on; `null` when the action authorizes itself. */
  resource(input: Input, context: ActionContext): string | null;
  /** Runs the action; returns the `…Result` members as XML, or undefined for no output. */
  run(input: Input, context: ActionContext): string | undefined;
}

export interface SandboxAction {
  name: string;
  service: Service;
  handle(context: ActionContext): string | undefined;
}

export function defineAction<Input>(spec: ActionSpec<Input>): SandboxAction {
  return {
    name: spec.name,
    service: spec.service,
    handle(context) {
      const v = createValidator(context.params, { echo: spec.service === 'sts' });
      const input = spec.input(v, context.params, context);
      v.done();
      const resource = spec.resource(input, context);
      if (resource !== null) {
        authorize(
          context.caller,
          context.state.accountId,
          `${spec.service}:${spec.name}`,
          resource,
        );
      }
      return spec.run(input, context);
    },
  };
}
