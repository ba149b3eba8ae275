import { describe, expect, it } from 'vitest';
import { JanusClient } from './client.js';
import { JanusError } from './errors.js';
import type { JanusTransport } from './transport.js';

/** IDs the scripted Janus gives. */
const sessionId = 11;
const handleId = 22;

/**
 * A transport to a scripted Janus: `script` turns each request into the messages Janus would
 * send back, delivered asynchronously and in that order.
 */
class ScriptedJanus implements JanusTransport {
  readonly sent: Record<string, unknown>[] = [];
  #onMessage: ((message: unknown) => void) | undefined;
  #onClose: ((error?: Error) => void) | undefined;
  readonly #script: (request: Record<string, unknown>) => unknown[];

  constructor(script: (request: Record<string, unknown>) => unknown[] = () => []) {
    this.#script = script;
  }

  async send(message: object): Promise<void> {
    const request = { ...message } as Record<string, unknown>;
    this.sent.push(request);
    const answers = basics(request) ?? this.#script(request);
    setImmediate(() => answers.forEach((answer) => this.deliver(answer)));
  }

  onMessage(handler: (message: unknown) => void): void {
    this.#onMessage = handler;
  }

  onClose(handler: (error?: Error) => void): void {
    this.#onClose = handler;
  }

  async close(): Promise<void> {
    this.#onClose?.();
  }

  deliver(message: unknown): void {
    this.#onMessage?.(message);
  }

  lose(error: Error): void {
    this.#onClose?.(error);
  }
}

/** Answers to create and attach. */
function basics(request: Record<string, unknown>): unknown[] | undefined {
  const { transaction } = request;
  if (request.janus === 'create') return [{ janus: 'success', transaction, data: { id: sessionId } }];
  if (request.janus === 'attach') return [{ janus: 'success', session_id: sessionId, transaction, data: { id: handleId } }];
  return undefined;
}

async function open(janus: ScriptedJanus) {
  const reported: Error[] = [];
  const client = new JanusClient(janus, { apiSecret: 's', onError: (error) => reported.push(error) });
  const session = await client.createSession();
  const handle = await session.attach('janus.plugin.videoroom');
  return { client, session, handle, reported };
}

/** A message from Janus about the handle. */
function fromHandle(message: Record<string, unknown>): Record<string, unknown> {
  return { session_id: sessionId, sender: handleId, ...message };
}

describe('JanusClient with a scripted Janus', () => {
  it('sends the apisecret and a unique transaction with every request', async () => {
    const janus = new ScriptedJanus();
    await open(janus);
    expect(janus.sent).toEqual([
      expect.objectContaining({ janus: 'create', apisecret: 's' }),
      expect.objectContaining({ janus: 'attach', apisecret: 's', session_id: sessionId, plugin: 'janus.plugin.videoroom' }),
    ]);
    expect(new Set(janus.sent.map((request) => request.transaction)).size).toBe(2);
  });

  it('correlates an event that arrives before its ack', async () => {
    const janus = new ScriptedJanus(({ transaction }) => [
      fromHandle({ janus: 'event', transaction, plugindata: { plugin: 'janus.plugin.videoroom', data: { videoroom: 'joined' } }, jsep: { type: 'offer', sdp: 'v=0' } }),
      { janus: 'ack', session_id: sessionId, transaction },
    ]);
    const { handle, reported } = await open(janus);
    const events: unknown[] = [];
    handle.on('event', (event) => events.push(event));
    expect(await handle.message({ request: 'join' })).toEqual({ data: { videoroom: 'joined' }, jsep: { type: 'offer', sdp: 'v=0' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    expect(reported).toEqual([]);
  });

  it('emits webrtcup, media, slowlink, hangup, trickle and event, and closes on detached', async () => {
    const janus = new ScriptedJanus();
    const { session, handle, reported } = await open(janus);
    const seen: unknown[] = [];
    handle.on('webrtcup', () => seen.push('webrtcup'));
    handle.on('media', (info) => seen.push(info));
    handle.on('slowlink', (info) => seen.push(info));
    handle.on('hangup', (reason) => seen.push({ hangup: reason }));
    handle.on('trickle', (candidate) => seen.push(candidate));
    handle.on('event', (event) => seen.push(event));
    handle.on('detached', () => seen.push('detached'));
    handle.on('closed', (error) => seen.push({ closed: error?.code }));
    janus.deliver(fromHandle({ janus: 'webrtcup' }));
    janus.deliver(fromHandle({ janus: 'media', mid: '0', type: 'audio', receiving: true }));
    janus.deliver(fromHandle({ janus: 'slowlink', mid: '1', media: 'video', uplink: true, lost: 12 }));
    janus.deliver(fromHandle({ janus: 'trickle', candidate: { sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 1 198.18.0.2 4000 typ host' } }));
    janus.deliver(fromHandle({ janus: 'trickle', candidate: { completed: true } }));
    janus.deliver(fromHandle({ janus: 'event', plugindata: { plugin: 'janus.plugin.videoroom', data: { videoroom: 'event', leaving: 'p' } } }));
    janus.deliver(fromHandle({ janus: 'hangup', reason: 'DTLS alert' }));
    janus.deliver(fromHandle({ janus: 'detached' }));
    janus.deliver(fromHandle({ janus: 'webrtcup' }));
    expect(seen).toEqual([
      'webrtcup',
      { mid: '0', type: 'audio', receiving: true },
      { mid: '1', media: 'video', uplink: true, lost: 12 },
      { sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 1 198.18.0.2 4000 typ host' },
      { completed: true },
      { plugin: 'janus.plugin.videoroom', data: { videoroom: 'event', leaving: 'p' }, jsep: undefined },
      { hangup: 'DTLS alert' },
      'detached',
      { closed: 'closed' },
    ]);
    expect(handle.closed).toBe(true);
    expect(session.closed).toBe(false);
    expect(reported).toEqual([]);
  });

  it('reports invalid messages and throwing listeners, and keeps dispatching', async () => {
    const janus = new ScriptedJanus();
    const { handle, reported } = await open(janus);
    let calls = 0;
    handle.on('webrtcup', () => {
      throw new Error('listener bug');
    });
    handle.on('webrtcup', () => (calls += 1));
    janus.deliver('not json');
    janus.deliver({ transaction: 'x' });
    janus.deliver(fromHandle({ janus: 'media', type: 'data' }));
    janus.deliver(fromHandle({ janus: 'webrtcup' }));
    janus.deliver(fromHandle({ janus: 'webrtcup' }));
    expect(calls).toBe(2);
    expect(reported.map((error) => [error.message, error instanceof JanusError ? error.code : undefined])).toEqual([
      ['Janus sent an invalid message', 'protocol'],
      ['Janus sent an invalid message', 'protocol'],
      [`Janus sent an invalid media event for handle ${handleId}`, 'protocol'],
      ['listener bug', undefined],
      ['listener bug', undefined],
    ]);
  });

  it('a session timed out by Janus closes with its handles', async () => {
    const janus = new ScriptedJanus();
    const { session, handle } = await open(janus);
    const timedOut = new Promise<void>((resolve) => session.once('timeout', resolve));
    janus.deliver({ janus: 'timeout', session_id: sessionId });
    await timedOut;
    expect(session.closed).toBe(true);
    expect(handle.closed).toBe(true);
    await expect(handle.hangup()).rejects.toMatchObject({ code: 'closed' });
  });

  it('losing the transport closes everything and rejects pending requests with closed', async () => {
    const janus = new ScriptedJanus();
    const { client, session, handle } = await open(janus);
    const clientClosed = new Promise((resolve) => client.once('closed', resolve));
    const pending = handle.request({ request: 'list' }).catch((error: unknown) => error);
    const cause = new Error('connection reset');
    janus.lose(cause);
    expect(await pending).toMatchObject({ code: 'closed', cause: expect.objectContaining({ cause }) as unknown });
    expect(await clientClosed).toMatchObject({ code: 'closed' });
    expect([client.closed, session.closed, handle.closed]).toEqual([true, true, true]);
    await expect(session.destroy()).resolves.toBeUndefined();
    await expect(handle.detach()).resolves.toBeUndefined();
    await expect(client.createSession()).rejects.toMatchObject({ code: 'closed' });
  });

  it('destroy() and detach() resolve when Janus no longer knows the session or handle', async () => {
    const janus = new ScriptedJanus(({ janus: type, transaction }) => [
      { janus: 'error', session_id: sessionId, transaction, error: type === 'detach' ? { code: 459, reason: 'No such handle' } : { code: 458, reason: 'No such session' } },
    ]);
    const { session, handle } = await open(janus);
    await expect(handle.detach()).resolves.toBeUndefined();
    await expect(session.destroy()).resolves.toBeUndefined();
  });

  it('destroy() rejects with Janus’s error, and the session is closed all the same', async () => {
    const janus = new ScriptedJanus(({ transaction }) => [{ janus: 'error', session_id: sessionId, transaction, error: { code: 490, reason: 'Unknown error' } }]);
    const { session, handle } = await open(janus);
    await expect(session.destroy()).rejects.toMatchObject({ code: 490, message: 'Unknown error' });
    expect([session.closed, handle.closed]).toEqual([true, true]);
  });
});
