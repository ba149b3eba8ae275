import { IceConfiguration, type MediaCommand } from '@plenum/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixturePayload, ids } from '../../test-support/factories.js';
import { MediaEngine } from './mediaEngine.js';

/** Just enough of a browser RTCPeerConnection, driven by the test as ICE would drive it. */
class FakePeerConnection extends EventTarget {
  static instances: FakePeerConnection[] = [];

  connectionState: RTCPeerConnectionState = 'new';
  remoteDescription: RTCSessionDescriptionInit | null = null;
  closed = false;
  /** Every configuration given later with `setConfiguration`. */
  readonly reconfigured: RTCConfiguration[] = [];

  constructor(public configuration: RTCConfiguration) {
    super();
    FakePeerConnection.instances.push(this);
  }

  getConfiguration(): RTCConfiguration {
    return this.configuration;
  }
  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = configuration;
    this.reconfigured.push(configuration);
  }
  addTransceiver(): object {
    return {};
  }
  createOffer(): Promise<RTCSessionDescriptionInit> {
    return Promise.resolve({ type: 'offer', sdp: `v=0\r\no=- ${FakePeerConnection.instances.indexOf(this)} 1 IN IP4 127.0.0.1\r\n` });
  }
  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return Promise.resolve({ type: 'answer', sdp: 'v=0\r\n' });
  }
  setLocalDescription(): Promise<void> {
    return Promise.resolve();
  }
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.remoteDescription = description;
    return Promise.resolve();
  }
  addIceCandidate(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
    this.connectionState = 'closed';
  }

  // --- ICE's side
  enter(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.dispatchEvent(new Event('connectionstatechange'));
  }
}

const turn = IceConfiguration.parse((fixturePayload('media/event.ice_servers.json') as { ice: unknown }).ice);

/** A camera stream with a microphone only: no video track, so no simulcast to set up. */
function microphoneOnly(): MediaStream {
  const track = { kind: 'audio', enabled: true, stop: () => undefined, getSettings: () => ({}) };
  return { getTracks: () => [track], getAudioTracks: () => [track], getVideoTracks: () => [] } as unknown as MediaStream;
}

function start(ice: IceConfiguration = turn) {
  const sent: MediaCommand[] = [];
  const failures: string[] = [];
  const engine = new MediaEngine(
    (command) => sent.push(command),
    (what) => failures.push(what),
  );
  engine.setIce(ice);
  engine.setCamera(microphoneOnly());
  const sentActions = (action: MediaCommand['action']) => sent.filter((command) => command.action === action);
  return { engine, sent, sentActions, failures };
}

/** The peer connection created last, i.e. the one a repair just made. */
function latestPeer(): FakePeerConnection {
  const peer = FakePeerConnection.instances.at(-1);
  if (!peer) throw new Error('no peer connection was created');
  return peer;
}

let engine: MediaEngine | undefined;

beforeEach(() => {
  FakePeerConnection.instances = [];
  vi.stubGlobal('RTCPeerConnection', FakePeerConnection);
  vi.useFakeTimers();
});

afterEach(() => {
  engine?.close();
  engine = undefined;
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('MediaEngine connection configuration and repair', () => {
  it('a publication’s peer connection gets the ICE servers from setIce and policy all', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    expect(FakePeerConnection.instances).toHaveLength(1);
    expect(latestPeer().configuration).toEqual({ iceServers: turn.iceServers, iceTransportPolicy: 'all', bundlePolicy: 'max-bundle' });
    expect(started.sentActions('publish')).toEqual([expect.objectContaining({ kind: 'camera', audio: true, video: false })]);
    expect(engine.relayOnly).toBe(false);
  });

  it('a failed publication is published again, and from then on every connection goes through the relay', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    const broken = latestPeer();
    broken.enter('failed');
    expect(engine.relayOnly).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(broken.closed).toBe(true);
    expect(started.sentActions('publish')).toHaveLength(2);
    expect(FakePeerConnection.instances).toHaveLength(2);
    expect(latestPeer().configuration).toMatchObject({ iceServers: turn.iceServers, iceTransportPolicy: 'relay' });
    engine.requestSubscription(ids.alice, 'camera');
    expect(latestPeer().configuration.iceTransportPolicy).toBe('relay');
    expect(started.failures).toEqual([]);
  });

  it('a subscription that fails is requested again with subscribe, on a new connection', async () => {
    const started = start();
    engine = started.engine;
    engine.requestSubscription(ids.alice, 'camera');
    const broken = latestPeer();
    expect(started.sentActions('subscribe')).toEqual([{ action: 'subscribe', target: ids.alice, kind: 'camera' }]);
    broken.enter('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(broken.closed).toBe(true);
    expect(started.sentActions('subscribe')).toEqual([
      { action: 'subscribe', target: ids.alice, kind: 'camera' },
      { action: 'subscribe', target: ids.alice, kind: 'camera' },
    ]);
    expect(latestPeer()).not.toBe(broken);
    expect(latestPeer().configuration.iceTransportPolicy).toBe('relay');
    expect(engine.isSubscribed(ids.alice, 'camera')).toBe(true);
  });

  it('repairs of one connection back off 0, 1, 2 s, and start afresh once it connected', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    const publishes = () => started.sentActions('publish').length;

    latestPeer().enter('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(publishes()).toBe(2);
    latestPeer().enter('failed');
    await vi.advanceTimersByTimeAsync(999);
    expect(publishes()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(publishes()).toBe(3);
    latestPeer().enter('failed');
    await vi.advanceTimersByTimeAsync(1999);
    expect(publishes()).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(publishes()).toBe(4);

    latestPeer().enter('connected');
    latestPeer().enter('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(publishes()).toBe(5);
  });

  it('a connection disconnected for 5 s is replaced; one that reconnects sooner is kept', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    const peer = latestPeer();
    peer.enter('connected');
    peer.enter('disconnected');
    await vi.advanceTimersByTimeAsync(4000);
    peer.enter('connected');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(started.sentActions('publish')).toHaveLength(1);

    peer.enter('disconnected');
    await vi.advanceTimersByTimeAsync(4999);
    expect(peer.closed).toBe(false);
    // The repair's zero delay, set from within a timer, counts as 1 ms on the fake clock.
    await vi.advanceTimersByTimeAsync(2);
    expect(peer.closed).toBe(true);
    expect(started.sentActions('publish')).toHaveLength(2);
  });

  it('without TURN servers a failure does not force the relay', async () => {
    const started = start({ iceServers: [] });
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    latestPeer().enter('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(started.sentActions('publish')).toHaveLength(2);
    expect(engine.relayOnly).toBe(false);
    expect(latestPeer().configuration).toMatchObject({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('networkChanged replaces the connections that are not connected and keeps the others', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    latestPeer().enter('connected');
    engine.requestSubscription(ids.alice, 'camera');
    const stalled = latestPeer();
    stalled.enter('disconnected');
    engine.networkChanged();
    await vi.advanceTimersByTimeAsync(0);
    expect(stalled.closed).toBe(true);
    expect(started.sentActions('subscribe')).toHaveLength(2);
    expect(started.sentActions('publish')).toHaveLength(1);
  });

  it('connections() lists the publication and each subscription with its peer connection, and forgets closed ones', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    const publication = latestPeer();
    engine.requestSubscription(ids.alice, 'camera');
    const subscription = latestPeer();
    expect(engine.connections()).toEqual([
      { kind: 'camera', target: null, pc: publication },
      { kind: 'camera', target: ids.alice, pc: subscription },
    ]);
    engine.removeParticipant(ids.alice);
    expect(engine.connections()).toEqual([{ kind: 'camera', target: null, pc: publication }]);
  });

  it('setIce hands fresh servers to running connections', async () => {
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    const fresh: IceConfiguration = {
      iceServers: [{ urls: ['turn:203.0.113.10:3478?transport=udp'], username: '1795514100:7e3d1f8a-92c4-4b5e-a6d0-3f2e1c0b9a88', credential: 'bmV3LWNyZWRlbnRpYWwtZm9yLXRlc3Q=' }],
      expiresAt: '2026-11-24T10:55:30.000Z',
    };
    engine.setIce(fresh);
    expect(latestPeer().reconfigured).toEqual([expect.objectContaining({ iceServers: fresh.iceServers })]);
    engine.requestSubscription(ids.bob, 'screen');
    expect(latestPeer().configuration.iceServers).toEqual(fresh.iceServers);
  });
});

describe('MediaEngine failure reports', () => {
  it('a negotiation step the browser refuses is reported with what failed', async () => {
    vi.spyOn(FakePeerConnection.prototype, 'createOffer').mockRejectedValueOnce(new DOMException('bad', 'OperationError'));
    const started = start();
    engine = started.engine;
    engine.publishCamera(true, false);
    await vi.advanceTimersByTimeAsync(0);
    expect(started.failures).toEqual(['publish camera']);
    expect(started.sentActions('publish')).toEqual([]);
  });

  it('a refused subscription offer is reported as a subscription failure', async () => {
    vi.spyOn(FakePeerConnection.prototype, 'setRemoteDescription').mockRejectedValueOnce(new DOMException('bad', 'OperationError'));
    const started = start();
    engine = started.engine;
    engine.onSubscribeOffer(ids.alice, 'screen', 'v=0\r\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(started.failures).toEqual(['subscribe screen']);
  });

  it('a failure of a connection closed meanwhile is not reported', async () => {
    let fail: (error: unknown) => void = () => undefined;
    vi.spyOn(FakePeerConnection.prototype, 'setRemoteDescription').mockImplementationOnce(
      () =>
        new Promise<void>((_resolve, reject) => {
          fail = reject;
        }),
    );
    const started = start();
    engine = started.engine;
    engine.onSubscribeOffer(ids.alice, 'camera', 'v=0\r\n');
    await vi.advanceTimersByTimeAsync(0);
    engine.unsubscribe(ids.alice, 'camera');
    fail(new DOMException('closed', 'InvalidStateError'));
    await vi.advanceTimersByTimeAsync(0);
    expect(started.failures).toEqual([]);
  });
});
