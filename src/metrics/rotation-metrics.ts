/**
 * Rotation metrics (one set per process, on the engine's registry): rotations by kind and
 * outcome, their duration, the verify wait for a new key to authenticate, and access keys
 * created and not yet promoted or abandoned (by this process's runs: a gauge that moves up at
 * `create` and down at `promote`/abandon; sum it over the workers).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RotationMetrics {
  /** `outcome`: `succeeded`, `retried` (attempts left), `failed` (for good, a reason given). */
  rotations: Counter<'kind' | 'outcome'>;
  rotationDuration: Histogram<'kind' | 'outcome'>;
  verifyWait: Histogram<'outcome'>;
  keysPending: Gauge;
}

export function createRotationMetrics(registry: Registry): RotationMetrics {
  const registers = [registry];
  return {
    rotations: new Counter({
      name: 'iam_pam_rotations_total',
      help: 'Rotation runs by kind and outcome (succeeded, retried, failed)',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    rotationDuration: new Histogram({
      name: 'iam_pam_rotation_duration_seconds',
      help: 'Duration of one rotation run',
      labelNames: ['kind', 'outcome'],
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300],
      registers,
    }),
    verifyWait: new Histogram({
      name: 'iam_pam_rotation_verify_wait_seconds',
      help: 'How long a new access key took to authenticate (outcome verified or timeout)',
      labelNames: ['outcome'],
      buckets: [0.1, 1, 5, 10, 15, 30, 60, 90, 180],
      registers,
    }),
    keysPending: new Gauge({
      name: 'iam_pam_rotation_keys_pending',
      help: "Access keys this process's rotations created and have not yet promoted or abandoned",
      registers,
    }),
  };
}
