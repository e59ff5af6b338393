/** Rotation metrics: each run of `rotate` counted and timed by kind and outcome. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { observeRotations } from '../../../../src/app/observe-rotations.ts';
import { PermanentError, TransientError } from '../../../../src/errors.ts';
import type { JobContext } from '../../../../src/jobs/define-job.ts';
import { createRotationMetrics } from '../../../../src/metrics/rotation-metrics.ts';

describe('rotation metrics', () => {
  it('count succeeded, retried (transient) and failed (permanent) runs by kind, with durations', async () => {
    const metrics = createRotationMetrics(new Registry());
    const outcomes = [
      async () => ({ ok: true }),
      async () => {
        throw new TransientError('iam_unavailable', 'busy');
      },
      async () => {
        throw new PermanentError('needs_decision', 'two keys');
      },
    ];
    const payload = { provider: 'prod', userName: 'alice', kind: 'access-key' as const };
    for (const outcome of outcomes) {
      await observeRotations(outcome, metrics)(payload, {} as JobContext).catch(() => undefined);
    }
    const counted = (await metrics.rotations.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(counted).toEqual([
      ['succeeded', 1],
      ['retried', 1],
      ['failed', 1],
    ]);
    const durations = (await metrics.rotationDuration.get()).values.filter(
      (v) => v.metricName === 'iam_pam_rotation_duration_seconds_count',
    );
    expect(durations.map((v) => v.value)).toEqual([1, 1, 1]);
  });
});
