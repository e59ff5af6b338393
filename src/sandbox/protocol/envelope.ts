/**
 * The response envelopes: `<{Action}Response>` › `<{Action}Result>` › members, then
 * `ResponseMetadata/RequestId`; errors as `<ErrorResponse>`. The same request id goes in the
 * `x-amzn-RequestId` header, the only place SDK v3 reads it from (iam-api.md §2.1).
 */
import type { IamError } from './iam-error.ts';
import { escapeXml } from './xml.ts';

export type Service = 'iam' | 'sts';

export const NAMESPACES: Record<Service, string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

/** `resultXml` undefined: an action with no output (TagUser, DeleteAccessKey, …). */
export function successXml(
  service: Service,
  action: string,
  resultXml: string | undefined,
  requestId: string,
): string {
  const result = resultXml === undefined ? '' : `<${action}Result>${resultXml}</${action}Result>`;
  return (
    `<${action}Response xmlns="${NAMESPACES[service]}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(service: Service, error: IamError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>${error.type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
