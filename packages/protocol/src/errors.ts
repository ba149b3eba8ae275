import { z } from 'zod';

/**
 * Every error the REST API returns has one of these stable codes. Clients switch on `code`;
 * `message` is for humans and may change.
 */
export const errorCodes = [
  // 400
  'invalid_request',
  'malformed_json',
  'invalid_id',
  'invalid_time_zone',
  'invalid_recurrence_rule',
  'invalid_time_range',
  // 401
  'unauthorized',
  'invalid_token',
  'token_expired',
  // 403
  'forbidden',
  'banned',
  'password_required',
  'wrong_room_password',
  'not_room_owner',
  'not_event_owner',
  // 404
  'not_found',
  'room_not_found',
  'event_not_found',
  'invite_not_found',
  // 410
  'invite_expired',
  'invite_exhausted',
  'invite_revoked',
  // 413, 415, 429
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  // 5xx
  'internal_error',
  'service_unavailable',
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The body of every error response. */
export const ErrorBody = z
  .object({
    code: ErrorCode,
    message: z.string(),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;
