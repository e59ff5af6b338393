/**
 * An IAM gateway that refuses to start a call once its signal aborted (a job past its
 * deadline, or whose IAM user lease passed to another job): handlers wrap the gateway they use
 * with their `ctx.signal`, so a run that was aborted sends no further IAM request.
 */
import type { IamGateway } from './iam-gateway.ts';

export function withAbortSignal(gateway: IamGateway, signal: AbortSignal): IamGateway {
  return new Proxy(gateway, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
