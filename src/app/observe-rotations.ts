/** Counts and times each run of the `rotate` job by kind and outcome (rotation-metrics.ts). */
import { PermanentError } from '../errors.ts';
import type { JobHandler } from '../jobs/define-job.ts';
import type { rotate } from '../jobs/rotate/contract.ts';
import type { RotationMetrics } from '../metrics/rotation-metrics.ts';

export function observeRotations(
  handler: JobHandler<typeof rotate>,
  metrics: RotationMetrics,
): JobHandler<typeof rotate> {
  return async (payload, ctx) => {
    const started = performance.now();
    const observe = (outcome: string) => {
      const labels = { kind: payload.kind, outcome };
      metrics.rotations.inc(labels);
      metrics.rotationDuration.observe(labels, (performance.now() - started) / 1000);
    };
    try {
      const result = await handler(payload, ctx);
      observe('succeeded');
      return result;
    } catch (err) {
      observe(err instanceof PermanentError ? 'failed' : 'retried');
      throw err;
    }
  };
}
