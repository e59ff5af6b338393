/** What an SDK call failed with, in the terms conformance tests compare across backends. */

export interface AwsErrorShape {
  /** The SDK's name: `NoSuchEntityException` for modeled codes, the wire code otherwise. */
  name: string;
  status: number | undefined;
  message: string;
  /** From the `x-amzn-RequestId` header (the only place SDK v3 reads it). */
  requestId: string | undefined;
  /** `client` for 4xx, `server` for 5xx. */
  fault: string | undefined;
}

/** Awaits a call that must fail and returns its error's shape; a success fails the test. */
export async function awsError(call: Promise<unknown>): Promise<AwsErrorShape> {
  try {
    await call;
  } catch (err) {
    const e = err as {
      name?: string;
      message?: string;
      $fault?: string;
      $metadata?: { httpStatusCode?: number; requestId?: string };
    };
    return {
      name: e.name ?? 'Error',
      status: e.$metadata?.httpStatusCode,
      message: e.message ?? '',
      requestId: e.$metadata?.requestId,
      fault: e.$fault,
    };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
