// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { makeStore } from '../app/store.js';
import { selectNotice } from '../features/control/controlSlice.js';
import { joinSuccess } from '../test-support/factories.js';
import { ConferenceSession } from './session.js';

/** Just enough of a browser WebSocket for a session: opens at once, the test delivers events. */
class FakeWebSocket extends EventTarget {
  static readonly OPEN = 1;
  static instances: FakeWebSocket[] = [];
  readyState = FakeWebSocket.OPEN;
  readonly sent: string[] = [];

  constructor() {
    super();
    FakeWebSocket.instances.push(this);
    queueMicrotask(() => this.dispatchEvent(new Event('open')));
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  deliver(namespace: string, payload: object): void {
    const data = JSON.stringify({ namespace, timestamp: '2026-11-24T09:00:00.000Z', payload });
    this.dispatchEvent(new MessageEvent('message', { data }));
  }
}

/** A peer connection whose every offer the browser refuses. */
class RefusingPeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new';
  addTransceiver(): object {
    return {};
  }
  createOffer(): Promise<RTCSessionDescriptionInit> {
    return Promise.reject(new DOMException('Failed: a=ice-pwd:secret', 'OperationError'));
  }
  close(): void {
    this.connectionState = 'closed';
  }
}

function microphoneOnly(): MediaStream {
  const track = { kind: 'audio', enabled: true, stop: () => undefined, getSettings: () => ({}) };
  return { getTracks: () => [track], getAudioTracks: () => [track], getVideoTracks: () => [] } as unknown as MediaStream;
}

let session: ConferenceSession | undefined;

/** A guest session on a real store, connected through the fake socket. */
async function joinedSession() {
  const store = makeStore();
  session = new ConferenceSession(
    store.dispatch,
    () => store.getState(),
    { kind: 'guest', roomId: '', inviteCode: '', displayName: 'Me Myself' },
    { requestTicket: () => Promise.resolve({ ticket: 't' }), signalingUrl: 'ws://localhost/v1/signaling' },
  );
  await session.start(microphoneOnly());
  await Promise.resolve();
  const socket = FakeWebSocket.instances.at(-1);
  if (!socket) throw new Error('the session opened no socket');
  return { store, socket };
}

let warn: MockInstance<Console['warn']>;
const warnings = () => warn.mock.calls.map((call) => call.join(' '));

beforeEach(() => {
  FakeWebSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
  vi.stubGlobal('RTCPeerConnection', RefusingPeerConnection);
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  session?.stop();
  session = undefined;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('ConferenceSession reports what goes wrong', () => {
  it('a media negotiation failure becomes an error notice and a console warning without SDP', async () => {
    const { store, socket } = await joinedSession();
    socket.deliver('control', joinSuccess());
    await vi.waitFor(() => expect(selectNotice(store.getState())).toEqual({ key: 'mediaSendFailed', tone: 'error' }));
    expect(warnings()).toEqual(['Plenum: media publish camera failed: OperationError']);
  });

  it('a server error in any namespace becomes a notice and a console warning', async () => {
    const { store, socket } = await joinedSession();
    socket.deliver('chat', { message: 'error', error: 'chat_disabled', text: 'the chat is disabled' });
    expect(selectNotice(store.getState())).toEqual({ key: 'errorChatDisabled', tone: 'error' });
    expect(warnings()).toEqual(['Plenum: chat error chat_disabled: the chat is disabled']);
  });

  it('an event of an unknown namespace or message is logged, not dropped silently', async () => {
    const { store, socket } = await joinedSession();
    socket.deliver('polls', { message: 'started', question: 'lunch?' });
    socket.deliver('media', { message: 'no_such_message', sdp: 'v=0' });
    expect(selectNotice(store.getState())).toBeNull();
    expect(warnings()).toEqual(['Plenum: ignored an unrecognized polls event started', 'Plenum: ignored an unrecognized media event no_such_message']);
  });
});
