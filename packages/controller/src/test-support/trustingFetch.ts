import { request } from 'node:https';

/** Statuses whose responses have no body (a `Response` refuses one). */
const nullBodyStatuses = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for tests over real HTTPS that trusts exactly the PEM certificate `ca` — the global
 * one trusts only public authorities and cannot be told otherwise in Node 20. It covers what the
 * test helpers use: method, headers, a string body; it never follows redirects (like
 * `redirect: 'manual'`), and repeated response headers such as `set-cookie` stay separate.
 */
export function fetchTrusting(ca: Buffer): typeof fetch {
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init.headers));
    const { body } = init;
    if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('fetchTrusting sends string bodies only');
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(url, { method: init.method ?? 'GET', headers, ca }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) responseHeaders.append(incoming.rawHeaders[i] ?? '', incoming.rawHeaders[i + 1] ?? '');
          const status = incoming.statusCode ?? 500;
          resolve(new Response(nullBodyStatuses.has(status) ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }));
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body ?? undefined);
    });
  };
}
