/**
 * An error answered on the wire: code, HTTP status, fault type and AWS's message. Handlers
 * throw it; the envelope turns it into `<ErrorResponse>` (iam-api.md §2.2, §3).
 */

export class IamError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'IamError';
    this.code = code;
    this.status = status;
  }

  /** `Receiver` for server faults (5xx), `Sender` for everything the caller did. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const noSuchUser = (userName: string): IamError =>
  new IamError('NoSuchEntity', 404, `The user with name ${userName} cannot be found.`);

export const noSuchRole = (roleName: string): IamError =>
  new IamError('NoSuchEntity', 404, `The role with name ${roleName} cannot be found.`);

export const noSuchAccessKey = (accessKeyId: string): IamError =>
  new IamError('NoSuchEntity', 404, `The Access Key with id ${accessKeyId} cannot be found.`);

export const noSuchLoginProfile = (userName: string): IamError =>
  new IamError('NoSuchEntity', 404, `Login Profile for User ${userName} cannot be found.`);

export const invalidInput = (message: string): IamError =>
  new IamError('InvalidInput', 400, message);

export const limitExceeded = (message: string): IamError =>
  new IamError('LimitExceeded', 409, message);

export const deleteConflict = (message: string): IamError =>
  new IamError('DeleteConflict', 409, message);

export const malformedPolicy = (message: string): IamError =>
  new IamError('MalformedPolicyDocument', 400, message);

/** A caller that is not an IAM user named no user (iam-api.md §4.9, validated). */
export const mustSpecifyUserName = (): IamError =>
  new IamError(
    'ValidationError',
    400,
    'Must specify userName when calling with non-User credentials',
  );

export const throttling = (): IamError => new IamError('Throttling', 400, 'Rate exceeded');

export const serviceFailure = (): IamError =>
  new IamError(
    'ServiceFailure',
    500,
    'The request processing has failed because of an unknown error, exception or failure.',
  );
