// @vitest-environment jsdom
import { maxFrameBytes, signalingSubprotocol, type AnyEvent } from '@plenum/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignalingConnection, type ConnectionHandlers } from './connection.js';

/** Just enough of a browser WebSocket, driven by the test from the server's side. */
class FakeWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static instances: FakeWebSocket[] = [];

  readyState = FakeWebSocket.CONNECTING;
  readonly sent: string[] = [];
  closedWith: number | undefined;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    super();
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error('InvalidStateError: not open');
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = FakeWebSocket.CLOSING;
  }

  // --- the server's side
  acceptConnection(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.dispatchEvent(new Event('open'));
  }

  deliver(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }

  closeFromServer(code: number, reason: string): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.dispatchEvent(new CloseEvent('close', { code, reason }));
  }

  sentFrames(): unknown[] {
    return this.sent.map((frame) => JSON.parse(frame) as unknown);
  }
}

const ticket = 'T1ck3t_T1ck3t_T1ck3t_T1ck3t_T1ck3t_T1ck3t_x';

function connect() {
  const events: AnyEvent[] = [];
  const closes: [number, string][] = [];
  let opened = 0;
  const handlers: ConnectionHandlers = {
    onOpen: () => (opened += 1),
    onEvent: (event) => events.push(event),
    onClose: (code, reason) => closes.push([code, reason]),
  };
  const connection = new SignalingConnection(ticket, handlers);
  const socket = FakeWebSocket.instances.at(-1);
  if (!socket) throw new Error('no socket was created');
  return { connection, socket, events, closes, opened: () => opened };
}

/** Numbered chat messages, so the order on the wire can be checked. */
const numbered = (n: number) => ({ action: 'send_message' as const, content: String(n) });
const numberOf = (frame: unknown) => Number((frame as { payload: { content: string } }).payload.content);

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('SignalingConnection', () => {
  it('puts the ticket in the subprotocol list, never in the URL', () => {
    const { socket } = connect();
    expect(socket.url).toBe(`ws://${window.location.host}/v1/signaling`);
    expect(socket.url).not.toContain(ticket);
    expect(socket.protocols).toEqual([signalingSubprotocol, `ticket#${ticket}`]);
  });

  it('connects to another signaling URL when given one', () => {
    const handlers: ConnectionHandlers = { onOpen: () => undefined, onEvent: () => undefined, onClose: () => undefined };
    new SignalingConnection(ticket, handlers, 'ws://127.0.0.1:4000/v1/signaling');
    expect(FakeWebSocket.instances.at(-1)?.url).toBe('ws://127.0.0.1:4000/v1/signaling');
  });

  it('reports open and close with code and reason', () => {
    const { connection, socket, closes, opened } = connect();
    expect(connection.open).toBe(false);
    socket.acceptConnection();
    expect(opened()).toBe(1);
    expect(connection.open).toBe(true);
    socket.closeFromServer(4003, 'kicked');
    expect(closes).toEqual([[4003, 'kicked']]);
    expect(connection.open).toBe(false);
  });

  it('sends commands as {namespace, payload}; commands sent before the socket opens go out on open, in order', () => {
    const { connection, socket } = connect();
    connection.send('control', { action: 'join', displayName: 'Alice' });
    connection.send('chat', { action: 'send_message', content: 'hi' });
    expect(socket.sent).toEqual([]);
    socket.acceptConnection();
    expect(socket.sentFrames()).toEqual([
      { namespace: 'control', payload: { action: 'join', displayName: 'Alice' } },
      { namespace: 'chat', payload: { action: 'send_message', content: 'hi' } },
    ]);
  });

  it('close() closes the socket normally; commands after closing are dropped', () => {
    const { connection, socket } = connect();
    socket.acceptConnection();
    connection.close();
    expect(socket.closedWith).toBe(1000);
    connection.send('control', { action: 'leave' });
    expect(socket.sent).toEqual([]);
  });

  describe('received frames', () => {
    const event = { namespace: 'control', timestamp: '2026-11-24T09:00:00.000Z', payload: { message: 'token_refreshed', tokenExpiresAt: '2026-11-24T10:00:00.000Z' } };

    it('passes a valid event envelope on', () => {
      const { socket, events } = connect();
      socket.acceptConnection();
      socket.deliver(JSON.stringify(event));
      expect(events).toEqual([event]);
    });

    it.each([
      ['not JSON', '{"namespace":'],
      ['JSON but not an object', '"control"'],
      ['null', 'null'],
      ['an array', JSON.stringify([event])],
      ['without timestamp', JSON.stringify({ ...event, timestamp: undefined })],
      ['with a timestamp that is no date', JSON.stringify({ ...event, timestamp: 'now' })],
      ['without payload.message', JSON.stringify({ ...event, payload: { tokenExpiresAt: 'x' } })],
      ['with a numeric namespace', JSON.stringify({ ...event, namespace: 7 })],
      ['a command echoed back', JSON.stringify({ namespace: 'control', payload: { action: 'leave' } })],
    ])('drops and logs a frame that is %s', (_what, frame) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { socket, events } = connect();
      socket.acceptConnection();
      expect(() => socket.deliver(frame)).not.toThrow();
      expect(events).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
    });

    it('logs a dropped frame by namespace and message name only, never its content', () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { socket, events } = connect();
      socket.acceptConnection();
      socket.deliver(JSON.stringify({ namespace: 'media', timestamp: 'now', payload: { message: 'publish_answer', sdp: 'v=0 secret-sdp' } }));
      expect(events).toEqual([]);
      const [logged] = warn.mock.calls.map((call) => call.join(' '));
      expect(logged).toContain('namespace "media", message "publish_answer"');
      expect(logged).not.toContain('secret-sdp');
    });

    it('drops and logs binary frames', () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { socket, events } = connect();
      socket.acceptConnection();
      socket.deliver(new TextEncoder().encode(JSON.stringify(event)).buffer);
      socket.deliver(new Blob([JSON.stringify(event)]));
      expect(events).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(2);
    });

    it('drops a frame above the size limit, even when it is a valid event', () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { socket, events } = connect();
      socket.acceptConnection();
      const frame = (padding: number) => JSON.stringify({ ...event, payload: { ...event.payload, padding: 'a'.repeat(padding) } });
      const base = frame(0).length;
      socket.deliver(frame(maxFrameBytes - base + 1));
      expect(events).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      socket.deliver(frame(maxFrameBytes - base));
      expect(events).toHaveLength(1);
    });
  });

  describe('token bucket', () => {
    it('sends a burst of 25 at once and holds the rest back until tokens refill', () => {
      const { connection, socket } = connect();
      socket.acceptConnection();
      for (let n = 0; n < 30; n += 1) connection.send('chat', numbered(n));
      expect(socket.sent).toHaveLength(25);
      vi.advanceTimersByTime(100);
      expect(socket.sent).toHaveLength(25);
      vi.advanceTimersByTime(20);
      expect(socket.sent).toHaveLength(26);
      vi.advanceTimersByTime(1000);
      expect(socket.sent).toHaveLength(30);
      expect(socket.sentFrames().map(numberOf)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    });

    it('keeps a sustained stream below the controller’s limit of 10 per second', () => {
      const { connection, socket } = connect();
      socket.acceptConnection();
      for (let n = 0; n < 200; n += 1) connection.send('chat', numbered(n));
      vi.advanceTimersByTime(5000);
      // 25 at once, then 9 per second.
      expect(socket.sent.length).toBeLessThanOrEqual(25 + 45);
      expect(socket.sent.length).toBeGreaterThanOrEqual(25 + 44);
      vi.advanceTimersByTime(10_000);
      expect(socket.sent.length).toBeLessThanOrEqual(25 + 135);
      expect(socket.sent.length).toBeGreaterThanOrEqual(25 + 134);
    });

    it('refills to a full burst of 25, not more, after a quiet time', () => {
      const { connection, socket } = connect();
      socket.acceptConnection();
      for (let n = 0; n < 25; n += 1) connection.send('chat', numbered(n));
      vi.advanceTimersByTime(60_000);
      for (let n = 25; n < 60; n += 1) connection.send('chat', numbered(n));
      expect(socket.sent).toHaveLength(50);
    });

    it('stops its refill timer and sends nothing queued once the socket has closed', () => {
      const { connection, socket } = connect();
      socket.acceptConnection();
      for (let n = 0; n < 30; n += 1) connection.send('chat', numbered(n));
      expect(vi.getTimerCount()).toBe(1);
      socket.closeFromServer(4006, 'shutdown');
      expect(vi.getTimerCount()).toBe(0);
      // The fake throws if anything is sent on a closed socket.
      expect(() => vi.advanceTimersByTime(5000)).not.toThrow();
      expect(socket.sent).toHaveLength(25);
    });
  });
});
