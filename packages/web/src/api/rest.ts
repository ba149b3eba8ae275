import { ErrorBody } from '@plenum/protocol';
import type { z } from 'zod';

/** A failed REST call with the API's stable error code (or `network_error`/`invalid_response`). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Bearer token; omitted for the public routes. */
  token?: string | null;
  /** Checks the response; omitted for `204 No Content`. */
  schema?: z.ZodType<T>;
}

/** Calls `/v1<path>`; responses are checked against the protocol's schemas before use. */
export async function apiRequest<T = undefined>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(`/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'omit',
    });
  } catch (cause) {
    throw new ApiFailure(0, 'network_error', cause instanceof Error ? cause.message : 'network error');
  }
  const data: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = ErrorBody.safeParse(data);
    throw error.success
      ? new ApiFailure(response.status, error.data.code, error.data.message)
      : new ApiFailure(response.status, 'internal_error', `HTTP ${response.status}`);
  }
  if (!options.schema) return undefined as T;
  const parsed = options.schema.safeParse(data);
  if (!parsed.success) throw new ApiFailure(response.status, 'invalid_response', 'unexpected response from the server');
  return parsed.data;
}

export function failureText(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  return error instanceof Error ? error.message : String(error);
}
