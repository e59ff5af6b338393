/**
 * Applies the configured faults to each request: latency, injected errors, random throttling
 * and failures, the per-account rate ceiling, and the one-shot dropResponse/holdAfter/holdBefore
 * switches, which turn themselves off after `times` uses.
 */
import { IamError, serviceFailure, throttling } from '../protocol/iam-error.ts';
import {
  createFaultsSchema,
  type Faults,
  type FaultsInput,
  type InjectableError,
} from './fault-config.ts';
import { createRateCeiling } from './rate-ceiling.ts';

export interface FaultEngine {
  current(): Faults;
  /** Replaces the configuration; throws a ZodError for a bad one. */
  set(input: FaultsInput): Faults;
  reset(): void;
  /** How long to delay this request. */
  latencyMs(): number;
  /** The error this request gets instead of being applied, if any. */
  refuse(accountId: string, action: string, now: number): IamError | undefined;
  /** Consumes one use of a dropResponse / holdAfter / holdBefore switch for `action`. */
  takeDrop(action: string): boolean;
  takeHold(action: string): boolean;
  takeHoldBefore(action: string): boolean;
}

const INJECTED: Record<InjectableError, () => IamError> = {
  Throttling: throttling,
  ServiceFailure: serviceFailure,
  ConcurrentModification: () =>
    new IamError(
      'ConcurrentModification',
      409,
      'The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.',
    ),
  EntityTemporarilyUnmodifiable: () =>
    new IamError(
      'EntityTemporarilyUnmodifiable',
      409,
      'The request was rejected because it referenced an entity that is temporarily unmodifiable. Try again after waiting several minutes.',
    ),
  InternalFailure: () =>
    new IamError(
      'InternalFailure',
      500,
      'The request processing has failed because of an unknown error, exception or failure.',
    ),
  ServiceUnavailable: () =>
    new IamError(
      'ServiceUnavailable',
      503,
      'The request has failed due to a temporary failure of the server.',
    ),
};

function takeOne(switches: Array<{ action: string; times: number }>, action: string): boolean {
  const index = switches.findIndex((s) => s.action === action);
  const found = switches[index];
  if (found === undefined) {
    return false;
  }
  found.times -= 1;
  if (found.times <= 0) {
    switches.splice(index, 1);
  }
  return true;
}

export function createFaultEngine(
  startup: { latencyMs: number; propagationDelayMs: number },
  random: () => number = Math.random,
): FaultEngine {
  const schema = createFaultsSchema(startup);
  const initial = (): Faults => schema.parse({});
  let faults = initial();
  const ceiling = createRateCeiling();
  return {
    current: () => structuredClone(faults),
    set(input) {
      faults = schema.parse(input);
      ceiling.reset();
      return structuredClone(faults);
    },
    reset() {
      faults = initial();
      ceiling.reset();
    },
    latencyMs() {
      const jitter = faults.latencyJitterMs > 0 ? Math.floor(random() * faults.latencyJitterMs) : 0;
      return faults.latencyMs + jitter;
    },
    refuse(accountId, action, now) {
      const injected = faults.errors.find((e) => e.action === action);
      if (injected !== undefined) {
        takeOne(faults.errors, action);
        return INJECTED[injected.code]();
      }
      if (faults.maxRps !== null && !ceiling.admit(accountId, now, faults.maxRps)) {
        return throttling();
      }
      if (faults.throttleRate > 0 && random() < faults.throttleRate) {
        return throttling();
      }
      if (faults.failureRate > 0 && random() < faults.failureRate) {
        return serviceFailure();
      }
      return undefined;
    },
    takeDrop: (action) => takeOne(faults.dropResponse, action),
    takeHold: (action) => takeOne(faults.holdAfter, action),
    takeHoldBefore: (action) => takeOne(faults.holdBefore, action),
  };
}
