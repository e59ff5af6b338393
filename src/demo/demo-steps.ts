/**
 * The demo's scenario, in order. Each feature shows itself with one entry here: when rotation
 * lands, `rotationStep` becomes its real steps (a rotation of each account, a worker killed
 * mid-rotation), and the import step resets on import.
 */
import type { DemoStep } from './demo-step.ts';
import { deadLetterStep } from './steps/dead-letter-step.ts';
import { discoveryStep } from './steps/discovery-step.ts';
import { heartbeatStep } from './steps/heartbeat-step.ts';
import { importStep } from './steps/import-step.ts';
import { rotationStep } from './steps/not-in-this-build.ts';
import { providerStep } from './steps/provider-step.ts';
import { takeoverStep } from './steps/takeover-step.ts';

export const DEMO_STEPS: readonly DemoStep[] = [
  providerStep,
  discoveryStep,
  importStep,
  heartbeatStep,
  rotationStep,
  takeoverStep,
  deadLetterStep,
];
