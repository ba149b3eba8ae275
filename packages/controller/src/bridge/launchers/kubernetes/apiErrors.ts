import { ApiException } from '@kubernetes/client-node';
import { z } from 'zod';

/** The `Status` the API server answers failures with (only what we read). */
const statusSchema = z.object({ message: z.string().optional(), reason: z.string().optional() });

function status(error: unknown): { code: number; message?: string; reason?: string } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = {};
    }
  }
  const parsed = statusSchema.safeParse(body);
  return { code: error.code, ...(parsed.success ? parsed.data : {}) };
}

/** The API server's own words about a failed request: `pods "x" is forbidden: ... (403 Forbidden)`. */
export function describeApiError(error: unknown): string {
  const answer = status(error);
  if (answer) return `${answer.message ?? 'no message'} (${answer.code}${answer.reason ? ` ${answer.reason}` : ''})`;
  return error instanceof Error ? error.message : String(error);
}

export function isNotFound(error: unknown): boolean {
  return status(error)?.code === 404;
}

/** A Service asked for a node port another Service holds. */
export function isNodePortTaken(error: unknown): boolean {
  const answer = status(error);
  return answer?.code === 422 && /port is already allocated/.test(answer.message ?? '');
}

/** Rejects if `promise` takes longer than `ms` (client-node sets no timeout of its own). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
