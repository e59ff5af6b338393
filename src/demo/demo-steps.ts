/**
 * The demo's scenario, in order. Each feature shows itself with one entry here; a feature not
 * in this build is one `notInThisBuild` entry (steps/not-in-this-build.ts) until it lands.
 */
import type { DemoStep } from './demo-step.ts';
import { deadLetterStep } from './steps/dead-letter-step.ts';
import { discoveryStep } from './steps/discovery-step.ts';
import { heartbeatStep } from './steps/heartbeat-step.ts';
import { importStep } from './steps/import-step.ts';
import { rotationStep } from './steps/rotation-step.ts';
import { rotationTakeoverStep } from './steps/rotation-takeover-step.ts';
import { providerStep } from './steps/provider-step.ts';
import { takeoverStep } from './steps/takeover-step.ts';

export const DEMO_STEPS: readonly DemoStep[] = [
  providerStep,
  discoveryStep,
  importStep,
  heartbeatStep,
  rotationStep,
  takeoverStep,
  rotationTakeoverStep,
  deadLetterStep,
];
