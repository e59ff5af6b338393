/**
 * Runs the prerequisite check, records the provider's status and emits `provider.validated`.
 * The result carries the status, the denied actions and, when something required is missing,
 * the policy that grants it — never a secret.
 */
import { withAbortSignal } from '../../iam/abortable-gateway.ts';
import type { IamGateway } from '../../iam/iam-gateway.ts';
import { checkPrerequisites } from '../../providers/prerequisites.ts';
import type { ProviderStore } from '../../providers/provider-store.ts';
import type { JobHandler } from '../define-job.ts';
import type { validateProvider } from './contract.ts';

export function createValidateProviderHandler(deps: {
  providers: ProviderStore;
  gatewayFor: (providerId: string) => IamGateway;
}): JobHandler<typeof validateProvider> {
  return async ({ provider }, ctx) => {
    const checked = await deps.providers.require(provider);
    await ctx.progress({ step: 'check' });
    const report = await checkPrerequisites(withAbortSignal(deps.gatewayFor(provider), ctx.signal));
    const recorded = await deps.providers.recordValidation(
      provider,
      {
        status: report.status,
        denied: report.denied,
        principalArn: report.principalArn || undefined,
        statusDetail: report.statusDetail,
      },
      checked.updatedAt,
    );
    if (!recorded) {
      ctx.log.warn('the provider was replaced during the check: its result is not recorded');
    }
    await ctx.emit({
      type: 'provider.validated',
      detail: { status: report.status, denied: report.denied },
    });
    ctx.log.info({ status: report.status, denied: report.denied }, 'provider validated');
    return {
      provider,
      status: report.status,
      denied: report.denied,
      principalArn: report.principalArn,
      statusDetail: report.statusDetail,
      ...(recorded ? {} : { stale: true }),
      ...(report.policy === undefined ? {} : { policy: report.policy }),
    };
  };
}
