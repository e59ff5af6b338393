/**
 * IAM pagination: MaxItems 1–1000 (default 100), `IsTruncated` always, `Marker` only when
 * truncated, markers opaque. Markers are signed with a per-sandbox key and bound to the list
 * they came from, so a made-up or foreign one gets `Invalid Marker.` (iam-api.md §10.7).
 */
import { createHmac, randomBytes } from 'node:crypto';

import { IamError } from '../protocol/iam-error.ts';

export const DEFAULT_MAX_ITEMS = 100;

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker: string | undefined;
}

export interface MarkerCodec {
  /** `scope` names the list (action and filters); `position` is where the next page starts. */
  encode(scope: string, position: string): string;
  /** The position inside a marker issued for `scope`; throws `Invalid Marker.` otherwise. */
  decode(scope: string, marker: string): string;
}

export const invalidMarker = (): IamError =>
  new IamError('ValidationError', 400, 'Invalid Marker.');

export function createMarkerCodec(key: Buffer = randomBytes(32)): MarkerCodec {
  const mac = (scope: string, position: string) =>
    createHmac('sha256', key).update(`${scope}\n${position}`).digest('base64url').slice(0, 22);
  return {
    encode(scope, position) {
      return `${Buffer.from(position).toString('base64url')}.${mac(scope, position)}`;
    },
    decode(scope, marker) {
      const dot = marker.lastIndexOf('.');
      if (dot <= 0) {
        throw invalidMarker();
      }
      const position = Buffer.from(marker.slice(0, dot), 'base64url').toString();
      if (mac(scope, position) !== marker.slice(dot + 1)) {
        throw invalidMarker();
      }
      return position;
    },
  };
}

/**
 * Takes up to `maxItems` from `items` (already positioned after the marker); `positionOf`
 * says where the page after a given item starts.
 */
export function takePage<T>(
  items: Iterable<T>,
  maxItems: number,
  scope: string,
  codec: MarkerCodec,
  positionOf: (item: T, indexInPage: number) => string,
): Page<T> {
  const page: T[] = [];
  let more = false;
  for (const item of items) {
    if (page.length === maxItems) {
      more = true;
      break;
    }
    page.push(item);
  }
  const last = page[page.length - 1];
  return {
    items: page,
    isTruncated: more,
    marker:
      more && last !== undefined
        ? codec.encode(scope, positionOf(last, page.length - 1))
        : undefined,
  };
}

/** Offset-based paging for short lists (keys, tags, policy names, simulation results). */
export function pageByOffset<T>(
  all: readonly T[],
  options: { marker: string | undefined; maxItems: number; scope: string; codec: MarkerCodec },
): Page<T> {
  const start =
    options.marker === undefined ? 0 : Number(options.codec.decode(options.scope, options.marker));
  if (!Number.isInteger(start) || start < 0) {
    throw invalidMarker();
  }
  return takePage(all.slice(start), options.maxItems, options.scope, options.codec, (_, i) =>
    String(start + i + 1),
  );
}

export function pageXml(page: Page<unknown>): string {
  return `<IsTruncated>${page.isTruncated}</IsTruncated>${
    page.marker === undefined ? '' : `<Marker>${page.marker}</Marker>`
  }`;
}
