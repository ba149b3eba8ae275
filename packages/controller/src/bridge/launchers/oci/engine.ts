import { existsSync } from 'node:fs';
import { z } from 'zod';
import { BridgeLaunchError } from '../../launcher.js';

/** Where a Docker Engine API is usually found: podman's rootful service, then Docker's. */
export const engineSockets = ['/run/podman/podman.sock', '/var/run/docker.sock'] as const;

/** The first engine socket that exists, else podman's (whose absence `launch` then explains). */
export function defaultEngineSocket(): string {
  return engineSockets.find((socket) => existsSync(socket)) ?? engineSockets[0];
}

/** What dockerode attaches to a failed API call. */
const EngineFailure = z.object({ statusCode: z.number().optional(), code: z.string().optional(), syscall: z.string().optional(), address: z.string().optional(), message: z.string() });

/**
 * HTTP status of a failed engine call, or the error code of a failed connection to the engine's
 * socket (ENOENT, ECONNREFUSED, EACCES); both `undefined` for anything else.
 */
export function engineFailure(error: unknown, socketPath: string): { status: number | undefined; code: string | undefined; message: string } {
  const parsed = EngineFailure.safeParse(error);
  if (!parsed.success) return { status: undefined, code: undefined, message: String(error) };
  const { statusCode, code, syscall, address, message } = parsed.data;
  return { status: statusCode, code: syscall === 'connect' && address === socketPath ? code : undefined, message };
}

/**
 * Translates an engine error into words an operator can act on. Anything else (a broker or
 * file system failure) gets a plain message: its own may quote a command line.
 */
export function explainEngineError(error: unknown, socketPath: string, image: string, bridgeId: string): BridgeLaunchError {
  const { status, code, message } = engineFailure(error, socketPath);
  if (code !== undefined) {
    return new BridgeLaunchError('unavailable',
      `no container engine answers on ${socketPath} (${code}): start one (\`podman system service\`, or Docker) or set PLENUM_BRIDGE_OCI_SOCKET`,
      { cause: error },
    );
  }
  if (status === undefined) return new BridgeLaunchError('start_failed', `could not start bridge ${bridgeId}`, { cause: error });
  if (status === 404 && /image/i.test(message)) {
    return new BridgeLaunchError('no_image', `the container engine has no image ${image}: build it with \`node scripts/build-bridge-image.mjs\` (see containers/janus/Containerfile)`, {
      cause: error,
    });
  }
  return new BridgeLaunchError('start_failed', `container engine: ${message.slice(0, 300)}`, { cause: error });
}

/** `POST /containers/{id}/wait` answers this once the container has stopped. */
export const WaitResult = z.object({ StatusCode: z.number().int() });

/** Network list entries, reduced to what slot selection reads. */
export const NetworkSummary = z.object({
  IPAM: z.object({ Config: z.array(z.object({ Subnet: z.string().optional(), Gateway: z.string().optional() })).nullish() }).nullish(),
});

/**
 * Log output of a container without a TTY comes multiplexed: frames of an 8-byte header
 * (stream type, 3 zero bytes, big-endian length) and the payload. Returns the text.
 */
export function demuxLogs(buffer: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + length).toString());
    offset += 8 + length;
  }
  return parts.join('');
}
