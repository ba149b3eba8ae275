import type { ErrorBody, ErrorCode } from '@plenum/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ApiError } from './apiError.js';

const fastifyCodes: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json', 'request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json', 'request body is empty but declared as JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'content-length does not match the body'],
};

const byStatus: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

function describeValidation(error: FastifyError): { code: ErrorCode; message: string } {
  const first = error.validation?.[0];
  const where = error.validationContext ?? 'body';
  const field = first?.instancePath ? first.instancePath.replace(/^\//, '').replaceAll('/', '.') : '';
  const message = `${where}${field ? `.${field}` : ''}: ${first?.message ?? 'invalid'}`;
  // A malformed ID in the path is its own code, so clients can tell it from a bad body.
  const code: ErrorCode = where === 'params' && /id$/i.test(field) ? 'invalid_id' : 'invalid_request';
  return { code, message };
}

/**
 * Turns every error into `{code, message}`. Client errors say what was wrong; server errors
 * say nothing about internals and are logged with their cause.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const send = (status: number, body: ErrorBody, headers: Record<string, string> = {}) =>
    reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);

  if (error instanceof ApiError) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    return send(error.status, { code: error.code, message: error.message }, error.headers);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const { code, message } = describeValidation(error);
    return send(400, { code, message });
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error }, 'response does not match its schema');
    return send(500, { code: 'internal_error', message: 'internal error' });
  }
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) return send(known[0], { code: known[1], message: known[2] });

  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return send(status, { code: byStatus[status] ?? 'invalid_request', message: error.message || 'bad request' });
  }
  request.log.error({ err: error }, 'request failed');
  return send(status === 503 ? 503 : 500, {
    code: status === 503 ? 'service_unavailable' : 'internal_error',
    message: status === 503 ? 'service unavailable' : 'internal error',
  });
}
