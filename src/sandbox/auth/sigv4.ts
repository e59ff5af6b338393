/**
 * Server-side AWS Signature Version 4 for the Query protocol: parse the `Authorization`
 * header, rebuild the canonical request from what arrived (the signed headers, host with port,
 * the raw body), and compute the signature a given secret would have produced.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { IamError } from '../protocol/iam-error.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface AuthorizationHeader {
  accessKeyId: string;
  /** Credential scope parts. */
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: string[];
  signature: string;
}

export interface ArrivedRequest {
  method: string;
  /** Path without the query string, as sent (still percent-encoded). */
  path: string;
  /** The raw query string without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const incomplete = (message: string) => new IamError('IncompleteSignature', 400, message);

export function parseAuthorization(header: string): AuthorizationHeader {
  const space = header.indexOf(' ');
  const algorithm = space === -1 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((f) => !fields.has(f));
  if (missing.length > 0) {
    throw incomplete(
      `${missing.map((f) => `Authorization header requires '${f}' parameter.`).join(' ')} Authorization=${header.replace(/Signature=\w+/, 'Signature=…')}`,
    );
  }
  const credential = (fields.get('Credential') ?? '').split('/');
  if (credential.length !== 5) {
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${fields.get('Credential') ?? ''}'`,
    );
  }
  const [accessKeyId = '', scopeDate = '', region = '', service = '', terminator = ''] = credential;
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    terminator,
    signedHeaders: (fields.get('SignedHeaders') ?? '').split(';').filter((h) => h !== ''),
    signature: fields.get('Signature') ?? '',
  };
}

/** RFC 3986 percent-encoding, as SigV4 requires. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(path: string): string {
  if (path === '' || path === '/') {
    return '/';
  }
  // Non-S3 services escape the (already encoded) path once more, segment by segment.
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') {
    return '';
  }
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') {
      continue;
    }
    const eq = part.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decode(part.slice(eq + 1));
    if (key !== 'X-Amz-Signature') {
      pairs.push([uriEncode(key), uriEncode(value)]);
    }
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Derives SigV4 signing keys; the key changes once a day per secret and scope, so cache it. */
export type SigningKeys = (secret: string, date: string, region: string, service: string) => Buffer;

export function createSigningKeyCache(maxEntries = 50_000): SigningKeys {
  const cache = new Map<string, Buffer>();
  return (secret, date, region, service) => {
    const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
    let key = cache.get(cacheKey);
    if (key === undefined) {
      const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
      const kRegion = createHmac('sha256', kDate).update(region).digest();
      const kService = createHmac('sha256', kRegion).update(service).digest();
      key = createHmac('sha256', kService).update('aws4_request').digest();
      if (cache.size >= maxEntries) {
        cache.clear();
      }
      cache.set(cacheKey, key);
    }
    return key;
  };
}

/**
 * The signature `secret` would give this request. The payload hash comes from the body as it
 * arrived, never from `x-amz-content-sha256`: that is what makes a tampered body fail.
 */
export function expectedSignature(
  request: ArrivedRequest,
  auth: AuthorizationHeader,
  amzDate: string,
  secret: string,
  payloadHash: string,
  signingKey: SigningKeys,
): string {
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${headerValue(request.headers, name)}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(request.query),
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/${auth.terminator}`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', signingKey(secret, auth.scopeDate, auth.region, auth.service))
    .update(stringToSign)
    .digest('hex');
}

export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
