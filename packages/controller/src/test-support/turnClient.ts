import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { isIP, connect as connectTcp, type Socket as TcpSocket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { crc32 } from 'node:zlib';

/**
 * A minimal STUN/TURN client (RFC 5389, 5766) for tests of the TURN relay: Binding, Allocate
 * with the long-term credential mechanism, CreatePermission; over UDP, TCP or TLS. It checks
 * nothing the server sends beyond the transaction ID: the tests judge the answers.
 */

const magicCookie = 0x2112a442;
const fingerprintXor = 0x5354554e;

export const StunMethod = { binding: 0x001, allocate: 0x003, refresh: 0x004, createPermission: 0x008 } as const;
export const StunAttribute = {
  mappedAddress: 0x0001,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  software: 0x8022,
  fingerprint: 0x8028,
} as const;

export type StunClass = 'request' | 'indication' | 'success' | 'error';
const classBits: Record<StunClass, number> = { request: 0, indication: 1, success: 2, error: 3 };

export interface StunAttributeValue {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  class: StunClass;
  transactionId: Buffer;
  attributes: StunAttributeValue[];
}

export interface TransportAddress {
  address: string;
  port: number;
}

function messageType(method: number, cls: StunClass): number {
  const bits = classBits[cls];
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((bits & 1) << 4) | ((bits & 2) << 7);
}

function header(type: number, length: number, transactionId: Buffer): Buffer {
  const buffer = Buffer.alloc(20);
  buffer.writeUInt16BE(type, 0);
  buffer.writeUInt16BE(length, 2);
  buffer.writeUInt32BE(magicCookie, 4);
  transactionId.copy(buffer, 8);
  return buffer;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/**
 * Encodes a message; with `integrityKey`, adds MESSAGE-INTEGRITY (HMAC-SHA1 over the message
 * so far, its length counting the attribute); always ends with FINGERPRINT.
 */
export function encodeStun(message: StunMessage, integrityKey?: Buffer): Buffer {
  const type = messageType(message.method, message.class);
  let body = Buffer.concat(message.attributes.map(({ type: t, value }) => attribute(t, value)));
  if (integrityKey) {
    const signed = Buffer.concat([header(type, body.length + 24, message.transactionId), body]);
    body = Buffer.concat([body, attribute(StunAttribute.messageIntegrity, createHmac('sha1', integrityKey).update(signed).digest())]);
  }
  const unsigned = Buffer.concat([header(type, body.length + 8, message.transactionId), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(unsigned) ^ fingerprintXor) >>> 0);
  return Buffer.concat([unsigned, attribute(StunAttribute.fingerprint, crc)]);
}

/** Decodes one whole message, or throws if it is not STUN. */
export function decodeStun(buffer: Buffer): StunMessage {
  if (buffer.length < 20 || buffer.readUInt32BE(4) !== magicCookie) throw new Error('not a STUN message');
  const type = buffer.readUInt16BE(0);
  const length = buffer.readUInt16BE(2);
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const bits = ((type >> 4) & 1) | ((type >> 7) & 2);
  const cls = (Object.keys(classBits) as StunClass[]).find((name) => classBits[name] === bits) ?? 'request';
  const attributes: StunAttributeValue[] = [];
  for (let at = 20; at + 4 <= 20 + length; ) {
    const attrType = buffer.readUInt16BE(at);
    const attrLength = buffer.readUInt16BE(at + 2);
    attributes.push({ type: attrType, value: buffer.subarray(at + 4, at + 4 + attrLength) });
    at += 4 + Math.ceil(attrLength / 4) * 4;
  }
  return { method, class: cls, transactionId: Buffer.from(buffer.subarray(8, 20)), attributes };
}

export function stunAttribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** ERROR-CODE of an error response: `{ code: 401, reason: 'Unauthorized' }`. */
export function stunErrorCode(message: StunMessage): { code: number; reason: string } | undefined {
  const value = stunAttribute(message, StunAttribute.errorCode);
  if (!value || value.length < 4) return undefined;
  return { code: (value[2] ?? 0) * 100 + (value[3] ?? 0), reason: value.subarray(4).toString('utf8').replace(/\0+$/, '') };
}

/** XOR-MAPPED-ADDRESS, XOR-RELAYED-ADDRESS or XOR-PEER-ADDRESS. */
export function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress {
  const port = value.readUInt16BE(2) ^ (magicCookie >>> 16);
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transactionId]);
  const raw = Buffer.from(value.subarray(4).map((byte, i) => byte ^ (mask[i] ?? 0)));
  if (value[1] === 0x01) return { address: [...raw.subarray(0, 4)].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  return { address: groups.join(':'), port };
}

export function encodeXorAddress({ address, port }: TransportAddress, transactionId: Buffer): Buffer {
  const v4 = isIP(address) === 4;
  const raw = v4 ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transactionId]);
  const value = Buffer.alloc(4 + raw.length);
  value[1] = v4 ? 0x01 : 0x02;
  value.writeUInt16BE(port ^ (magicCookie >>> 16), 2);
  raw.forEach((byte, i) => (value[4 + i] = byte ^ (mask[i] ?? 0)));
  return value;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parts = (text: string) => (text ? text.split(':') : []);
  const groups = [...parts(head), ...Array<string>(8 - parts(head).length - parts(tail).length).fill('0'), ...parts(tail)];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

export type StunTransportKind = 'udp' | 'tcp' | 'tls';

/** Sends whole messages and hands each whole message received to `onMessage`. */
interface Channel {
  send(buffer: Buffer): void;
  close(): void;
}

async function openChannel(kind: StunTransportKind, host: string, port: number, onMessage: (buffer: Buffer) => void, onError: (error: Error) => void): Promise<Channel> {
  if (kind === 'udp') {
    const socket: UdpSocket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    socket.on('message', onMessage);
    socket.on('error', onError);
    socket.connect(port, host);
    await once(socket, 'connect');
    return { send: (buffer) => socket.send(buffer), close: () => socket.close() };
  }
  const socket: TcpSocket =
    kind === 'tcp' ? connectTcp({ host, port }) : connectTls({ host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
  await once(socket, kind === 'tcp' ? 'connect' : 'secureConnect');
  // Over a stream, STUN frames itself: 20 bytes of header, then the length it names.
  let pending = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 20 && pending.length >= 20 + pending.readUInt16BE(2)) {
      const size = 20 + pending.readUInt16BE(2);
      onMessage(pending.subarray(0, size));
      pending = pending.subarray(size);
    }
  });
  socket.on('error', onError);
  return { send: (buffer) => socket.write(buffer), close: () => socket.destroy() };
}

/** A refused TURN request: the server's error code and reason. */
export class TurnRequestError extends Error {
  override readonly name = 'TurnRequestError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`TURN error ${code} ${reason}`);
  }
}

export interface TurnClientOptions {
  transport: StunTransportKind;
  host: string;
  port: number;
  /** How long to wait for each answer, ms. Default 3000. UDP requests are resent every 500 ms meanwhile. */
  timeoutMs?: number;
}

/** One client 5-tuple: at most one allocation, its permissions. */
export class TurnClient {
  #channel: Channel = { send: () => {}, close: () => {} };
  readonly #timeoutMs: number;
  readonly #transport: StunTransportKind;
  readonly #waiting = new Map<string, (message: StunMessage) => void>();
  #error: Error | undefined;
  #auth: { username: string; realm: string; nonce: string; key: Buffer } | undefined;

  private constructor(transport: StunTransportKind, timeoutMs: number) {
    this.#transport = transport;
    this.#timeoutMs = timeoutMs;
  }

  static async connect(options: TurnClientOptions): Promise<TurnClient> {
    const client = new TurnClient(options.transport, options.timeoutMs ?? 3000);
    client.#channel = await openChannel(
      options.transport,
      options.host,
      options.port,
      (buffer) => client.#receive(buffer),
      (error) => (client.#error = error),
    );
    return client;
  }

  #receive(buffer: Buffer): void {
    let message: StunMessage;
    try {
      message = decodeStun(buffer);
    } catch {
      return;
    }
    this.#waiting.get(message.transactionId.toString('hex'))?.(message);
  }

  /** Sends a request and resolves with the answer, success or error. */
  async request(method: number, attributes: StunAttributeValue[], integrityKey?: Buffer): Promise<StunMessage> {
    return this.#requestWithId(method, randomBytes(12), attributes, integrityKey);
  }

  /** A Binding request: the address the server sees us at. */
  async binding(): Promise<StunMessage> {
    return this.request(StunMethod.binding, []);
  }

  /**
   * An Allocate for a UDP relay. Without credentials, the first answer as is (a 401). With
   * them, the long-term credential dance: the 401's REALM and NONCE, then the request signed
   * with MD5(username:realm:password); a 438 (stale nonce) is retried once with the new nonce.
   */
  async allocate(credentials?: { username: string; password: string }): Promise<StunMessage> {
    // REQUESTED-TRANSPORT: protocol 17 (UDP), then 3 reserved bytes.
    const plain = [{ type: StunAttribute.requestedTransport, value: Buffer.from([17, 0, 0, 0]) }];
    const first = await this.request(StunMethod.allocate, plain);
    if (!credentials || first.class === 'success') return first;
    let challenge = first;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const realm = stunAttribute(challenge, StunAttribute.realm)?.toString('utf8');
      const nonce = stunAttribute(challenge, StunAttribute.nonce)?.toString('utf8');
      if (realm === undefined || nonce === undefined) return challenge;
      const key = createHash('md5').update(`${credentials.username}:${realm}:${credentials.password}`).digest();
      this.#auth = { username: credentials.username, realm, nonce, key };
      const answer = await this.request(StunMethod.allocate, [...plain, ...this.#authAttributes()], key);
      if (stunErrorCode(answer)?.code !== 438) return answer;
      challenge = answer;
    }
    return challenge;
  }

  /** The relayed address of a successful Allocate; throws `TurnRequestError` for an error answer. */
  static relayedAddress(answer: StunMessage): TransportAddress {
    const error = stunErrorCode(answer);
    if (answer.class === 'error' || error) throw new TurnRequestError(error?.code ?? 0, error?.reason ?? '');
    const value = stunAttribute(answer, StunAttribute.xorRelayedAddress);
    if (!value) throw new Error('Allocate answer without XOR-RELAYED-ADDRESS');
    return decodeXorAddress(value, answer.transactionId);
  }

  /** Asks for a permission to exchange data with `peer` (port ignored), signed like the Allocate. */
  async createPermission(peer: string): Promise<StunMessage> {
    if (!this.#auth) throw new Error('createPermission needs a successful allocate() first');
    // An IPv6 XOR-PEER-ADDRESS depends on the transaction ID, so it is chosen here.
    const transactionId = randomBytes(12);
    const peerAddress = { type: StunAttribute.xorPeerAddress, value: encodeXorAddress({ address: peer, port: 0 }, transactionId) };
    return this.#requestWithId(StunMethod.createPermission, transactionId, [peerAddress, ...this.#authAttributes()], this.#auth.key);
  }

  async #requestWithId(method: number, transactionId: Buffer, attributes: StunAttributeValue[], key: Buffer | undefined): Promise<StunMessage> {
    const bytes = encodeStun({ method, class: 'request', transactionId, attributes }, key);
    const id = transactionId.toString('hex');
    let timer: NodeJS.Timeout | undefined;
    let resend: NodeJS.Timeout | undefined;
    try {
      return await new Promise<StunMessage>((resolve, reject) => {
        this.#waiting.set(id, resolve);
        timer = setTimeout(() => reject(this.#error ?? new Error(`no answer to STUN method ${method} within ${this.#timeoutMs} ms`)), this.#timeoutMs);
        this.#channel.send(bytes);
        if (this.#transport === 'udp') resend = setInterval(() => this.#channel.send(bytes), 500);
      });
    } finally {
      this.#waiting.delete(id);
      clearTimeout(timer);
      clearInterval(resend);
    }
  }

  #authAttributes(): StunAttributeValue[] {
    if (!this.#auth) return [];
    return [
      { type: StunAttribute.username, value: Buffer.from(this.#auth.username, 'utf8') },
      { type: StunAttribute.realm, value: Buffer.from(this.#auth.realm, 'utf8') },
      { type: StunAttribute.nonce, value: Buffer.from(this.#auth.nonce, 'utf8') },
    ];
  }

  close(): void {
    this.#channel.close();
  }
}
