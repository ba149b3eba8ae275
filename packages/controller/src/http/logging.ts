import type { FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';

/**
 * Paths may carry secrets (invite codes, interaction IDs) and query strings may carry
 * authorization codes or ID-token hints: logs get the path with those parts masked.
 */
export function redactUrl(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path
    .replace(/\/invites\/[^/]+/g, '/invites/[redacted]')
    .replace(/\/interaction\/[^/]+/g, '/interaction/[redacted]');
}

/** Pino options that keep tokens, cookies and passwords out of the log. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["sec-websocket-protocol"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.ticket',
        '*.inviteCode',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
        };
      },
    },
  };
}
