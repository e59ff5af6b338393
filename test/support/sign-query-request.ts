/**
 * Signs an IAM/STS Query request with @smithy/signature-v4 (the SDK's own signer) without
 * the SDK client around it, so tests and benchmarks can send raw requests: tampered bodies,
 * skewed clocks, GET forms, or thousands of pre-signed requests.
 */
import { createHash, createHmac } from 'node:crypto';

import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

/** node:crypto behind the Checksum interface SignatureV4 expects. */
class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret: SourceData | undefined;

  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.fresh();
  }

  private fresh() {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac('sha256', toBuffer(this.secret));
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') {
    return Buffer.from(data);
  }
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/** RFC 3986, as the SDK encodes form values (space → %20, `+` → %2B). */
export function encodeForm(params: Record<string, string>): string {
  return Object.entries(params)
    .map(
      ([k, v]) =>
        `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    )
    .join('&');
}

export interface QueryRequestInput {
  endpoint: string;
  service: 'iam' | 'sts';
  region?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Action, Version and the rest, in order. */
  params: Record<string, string>;
  method?: 'POST' | 'GET';
  signingDate?: Date;
}

export interface SignedQueryRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: string | undefined;
}

export async function signQueryRequest(input: QueryRequestInput): Promise<SignedQueryRequest> {
  const url = new URL(input.endpoint);
  const method = input.method ?? 'POST';
  const form = encodeForm(input.params);
  const signer = new SignatureV4({
    service: input.service,
    region: input.region ?? 'us-east-1',
    credentials: input.credentials,
    sha256: NodeSha256,
  });
  const query: Record<string, string> = method === 'GET' ? input.params : {};
  const signed = await signer.sign(
    {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query,
      headers: {
        host: url.host,
        ...(method === 'POST'
          ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
          : {}),
      },
      body: method === 'POST' ? form : undefined,
    },
    { signingDate: input.signingDate ?? new Date() },
  );
  return {
    url: method === 'GET' ? `${url.origin}/?${form}` : `${url.origin}/`,
    method,
    headers: signed.headers,
    body: method === 'POST' ? form : undefined,
  };
}

/** Sends a signed request with fetch; `body` may be swapped to simulate tampering. */
export async function sendSigned(
  request: SignedQueryRequest,
  body: string | undefined = request.body,
): Promise<{ status: number; headers: Headers; text: string }> {
  const headers = { ...request.headers };
  delete headers.host;
  const response = await fetch(request.url, { method: request.method, headers, body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}
