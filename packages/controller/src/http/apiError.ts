import type { ErrorCode } from '@plenum/protocol';
import { CodedError } from '../errors.js';

/**
 * An error with a stable code that the REST layer turns into `{code, message}` with `status`.
 * Anything else thrown becomes a 500 `internal_error` whose details stay in the log.
 */
export class ApiError extends CodedError<ErrorCode> {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, code: ErrorCode, message: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
    this.status = status;
    this.headers = options?.headers ?? {};
  }
}

export const notFound = (code: ErrorCode, what: string) => new ApiError(404, code, `${what} not found`);
export const forbidden = (code: ErrorCode, message: string) => new ApiError(403, code, message);
export const badRequest = (code: ErrorCode, message: string) => new ApiError(400, code, message);
