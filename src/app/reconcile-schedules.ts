/**
 * What every `api` and `worker` start does: bring each provider's job schedulers in line with
 * its stored policy (providers written before schedules existed get theirs; those of removed
 * providers go). A failure is logged, not fatal: the process still serves, and the next policy
 * write or start reconciles again.
 */
import type { Domain } from '../domain.ts';
import type { Logger } from '../logger.ts';

export async function reconcileSchedules(
  domain: Pick<Domain, 'providers' | 'schedules'>,
  log: Logger,
): Promise<void> {
  try {
    const summary = await domain.schedules.reconcile(await domain.providers.list());
    log.info(summary, 'schedules reconciled with the stored lifecycle policies');
  } catch (err) {
    log.error(
      { err },
      'schedules could not be reconciled with the stored policies; the next policy write or start retries',
    );
  }
}
