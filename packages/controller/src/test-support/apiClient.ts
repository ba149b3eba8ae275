export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or `undefined` for an empty body. */
  body: unknown;
}

/** A tiny REST client for tests: real HTTP, JSON in and out, optional bearer token. */
export function apiClient(baseUrl: string, token?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const init: RequestInit = { method, headers: { ...headers } };
    const h = new Headers(headers);
    if (token) h.set('authorization', `Bearer ${token}`);
    if (body !== undefined) {
      h.set('content-type', h.get('content-type') ?? 'application/json');
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    init.headers = h;
    const response = await fetch(`${baseUrl}${path}`, init);
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Narrows a JSON body to a record for property access in assertions. */
export function json(response: ApiResponse): Record<string, unknown> {
  if (typeof response.body !== 'object' || response.body === null || Array.isArray(response.body)) {
    throw new Error(`expected a JSON object, got HTTP ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body as Record<string, unknown>;
}
