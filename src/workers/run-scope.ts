/**
 * Composes each run's scope (jobs/define-job.ts `RunScope`) once, in the engine: the provider's
 * IAM bound to the run's abort signal, paced by the provider's budget (the IAM hooks), every
 * mutation audited before it is sent and settled after; the fence from the user lease; the
 * process's failpoints.
 */
import { createAuditedGateway, settleLeftovers } from '../audit/audited-gateway.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UnsettledMutations } from '../audit/unsettled-mutations.ts';
import { PermanentError } from '../errors.ts';
import type { Failpoints } from '../failpoints.ts';
import { withAbortSignal } from '../iam/abortable-gateway.ts';
import type { CredentialVerifier, IamGateway } from '../iam/iam-gateway.ts';
import type { RunScope, UserLease } from '../jobs/define-job.ts';

export interface RunScopeDeps {
  gatewayFor: (providerId: string) => IamGateway;
  verifierFor: (providerId: string) => CredentialVerifier;
  audit: AuditLog;
  unsettled: UnsettledMutations;
  failpoints: Failpoints;
}

export interface RunFacts {
  queue: string;
  jobId: string;
  /** The contract's `provider(payload)`, if it names one. */
  provider: string | undefined;
  lease: UserLease | undefined;
  signal: AbortSignal;
}

export type ScopeFor = (run: RunFacts) => RunScope;

/** Stands in for the IAM of a job whose contract names no provider: any use is a bug. */
function noProvider(what: string, jobId: string): never {
  throw new PermanentError(
    'internal',
    `job ${jobId} used ${what}, but its contract names no provider (add provider(payload))`,
  );
}

export function createRunScopes(deps: RunScopeDeps): ScopeFor {
  return ({ queue, jobId, provider, lease, signal }) => {
    const actor = `job:${queue}/${jobId}`;
    const context = { actor, provider: provider ?? '', jobId };
    const iam =
      provider === undefined
        ? new Proxy({} as IamGateway, { get: () => () => noProvider('IAM', jobId) })
        : withAbortSignal(
            createAuditedGateway(deps.gatewayFor(provider), deps.audit, context, deps.unsettled),
            signal,
          );
    const verifier: CredentialVerifier =
      provider === undefined
        ? { verify: () => noProvider('STS', jobId) }
        : {
            verify: (credentials) => {
              signal.throwIfAborted();
              return deps.verifierFor(provider).verify(credentials);
            },
          };
    return {
      iam,
      verifier,
      fence: lease,
      actor,
      failpoints: deps.failpoints,
      settleLeftovers: (account) => settleLeftovers(deps.audit, deps.unsettled, account, context),
    };
  };
}
