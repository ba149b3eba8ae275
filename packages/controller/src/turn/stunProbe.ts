import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP, connect } from 'node:net';

/** Where a `turn:`/`turns:` URL points. */
export interface TurnTarget {
  secure: boolean;
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
}

/** `turn:host[:port][?transport=udp|tcp]` → its parts (RFC 7065; defaults 3478, TLS 5349; UDP, TLS over TCP). */
export function parseTurnUrl(url: string): TurnTarget {
  const match = /^(turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/.exec(url);
  if (!match?.[1] || !match[2]) throw new RangeError(`not a TURN URL: ${url}`);
  const secure = match[1] === 'turns';
  return {
    secure,
    host: match[2].replace(/^\[|\]$/g, ''),
    port: match[3] ? Number(match[3]) : secure ? 5349 : 3478,
    transport: secure ? 'tcp' : ((match[4] as 'udp' | 'tcp' | undefined) ?? 'udp'),
  };
}

/** A STUN Binding request (RFC 5389) without attributes, and its transaction ID. */
function bindingRequest(): { bytes: Buffer; transactionId: Buffer } {
  const transactionId = randomBytes(12);
  const bytes = Buffer.alloc(20);
  bytes.writeUInt16BE(0x0001, 0);
  bytes.writeUInt32BE(0x2112a442, 4);
  transactionId.copy(bytes, 8);
  return { bytes, transactionId };
}

/** True for a STUN answer (success or error) to our transaction. */
function answers(message: Buffer, transactionId: Buffer): boolean {
  // The first byte of a response's type has the class bit C1 set (0x0101 success, 0x0111 error).
  return message.length >= 20 && message.readUInt32BE(4) === 0x2112a442 && ((message[0] ?? 0) & 0x01) === 1 && message.subarray(8, 20).equals(transactionId);
}

/**
 * Resolves once the server answers a STUN Binding request over UDP (resent after 0.5 and
 * 1.5 s) or plain TCP; rejects with the reason otherwise. `turns:` targets are only checked
 * to accept TCP connections: a TLS handshake proves no more about the relay.
 */
export function probeTurnServer(target: TurnTarget, timeoutMs: number): Promise<void> {
  const { bytes, transactionId } = bindingRequest();
  return new Promise<void>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    if (target.transport === 'udp') {
      const socket = createSocket(isIP(target.host) === 6 ? 'udp6' : 'udp4');
      const send = () => socket.send(bytes, target.port, target.host, (error) => error && finish(error));
      const resends = [setTimeout(send, 500), setTimeout(send, 1500)];
      cleanups.push(() => {
        resends.forEach((resend) => clearTimeout(resend));
        socket.close();
      });
      socket.on('message', (message) => answers(message, transactionId) && finish());
      socket.on('error', (error) => finish(error));
      send();
      return;
    }
    const socket = connect({ host: target.host, port: target.port });
    cleanups.push(() => socket.destroy());
    socket.on('error', (error) => finish(error));
    let received = Buffer.alloc(0);
    socket.on('connect', () => (target.secure ? finish() : socket.write(bytes)));
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length >= 20) finish(answers(received, transactionId) ? undefined : new Error('answered something that is not STUN'));
    });
  });
}
