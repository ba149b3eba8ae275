import { IceConfiguration, type MediaState } from '@plenum/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeHandlerContext, hostilePayloads } from '../../test-support/fakeHandlerContext.js';
import { fixturePayload, ids } from '../../test-support/factories.js';
import { handleMediaEvent } from './mediaHandlers.js';
import { bridgeStatusChanged, mediaStateReceived, speakerChanged } from './mediaSlice.js';

const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n';
const cameraOn: MediaState = { audio: true, video: true, screen: false, forceMuted: false };

describe('handleMediaEvent', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('publish_answer goes to the engine and marks the bridge as working', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'publish_answer', kind: 'camera', sdp }, fake.ctx);
    expect(fake.media.onPublishAnswer).toHaveBeenCalledWith('camera', sdp);
    expect(fake.actions).toEqual([bridgeStatusChanged('ok')]);
  });

  it('subscribe_offer and candidates go to the engine', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'subscribe_offer', target: ids.alice, kind: 'screen', sdp }, fake.ctx);
    expect(fake.media.onSubscribeOffer).toHaveBeenCalledWith(ids.alice, 'screen', sdp);
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    handleMediaEvent({ message: 'candidate', kind: 'camera', target: ids.alice, candidate }, fake.ctx);
    handleMediaEvent({ message: 'candidate', kind: 'camera', candidate: null }, fake.ctx);
    expect(fake.media.onCandidate.mock.calls).toEqual([
      ['camera', ids.alice, candidate],
      ['camera', undefined, null],
    ]);
    expect(fake.actions).toEqual([]);
  });

  it('another participant’s media_state is stored and subscribed to', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'media_state', participant: ids.alice, state: cameraOn }, fake.ctx);
    expect(fake.actions).toEqual([mediaStateReceived({ participant: ids.alice, state: cameraOn, mine: false })]);
    expect(fake.media.requestSubscription.mock.calls).toEqual([[ids.alice, 'camera']]);
    expect(fake.media.unsubscribe.mock.calls).toEqual([[ids.alice, 'screen']]);
  });

  it('a shared screen is subscribed to; nothing published means no camera subscription', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'media_state', participant: ids.bob, state: { audio: false, video: false, screen: true, forceMuted: false } }, fake.ctx);
    expect(fake.media.requestSubscription.mock.calls).toEqual([[ids.bob, 'screen']]);
    expect(fake.media.unsubscribe).not.toHaveBeenCalled();
  });

  it('my own media_state is marked mine and never subscribed to', () => {
    const fake = fakeHandlerContext(ids.me);
    const state: MediaState = { audio: false, video: true, screen: true, forceMuted: true };
    handleMediaEvent({ message: 'media_state', participant: ids.me, state }, fake.ctx);
    expect(fake.actions).toEqual([mediaStateReceived({ participant: ids.me, state, mine: true })]);
    expect(fake.media.requestSubscription).not.toHaveBeenCalled();
    expect(fake.media.unsubscribe).not.toHaveBeenCalled();
  });

  it('muted switches my microphone off; speaker and bridge_reset reach slice and session', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'muted', by: ids.alice }, fake.ctx);
    expect(fake.session.localMicForcedOff).toHaveBeenCalledOnce();
    handleMediaEvent({ message: 'speaker', participant: ids.bob, speaking: true }, fake.ctx);
    expect(fake.actions).toEqual([speakerChanged({ participant: ids.bob, speaking: true })]);
    handleMediaEvent({ message: 'bridge_reset' }, fake.ctx);
    expect(fake.session.bridgeReset).toHaveBeenCalledOnce();
    expect(fake.effects()).toBe(3);
  });

  it('ice_servers hands the ICE configuration to the engine and puts no credential into the store', async () => {
    const payload = fixturePayload('media/event.ice_servers.json') as { ice: unknown };
    const ice = IceConfiguration.parse(payload.ice);
    const credential = ice.iceServers[0]?.credential;
    expect(credential).toBeTruthy();
    // The store's language slice reads the browser's saved choice when the store module loads;
    // this file runs in Node (where the golden fixtures are read), so the store comes in late.
    vi.stubGlobal('localStorage', { getItem: () => null });
    vi.stubGlobal('navigator', { languages: [] });
    const { makeStore } = await import('../../app/store.js');
    const store = makeStore();
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent(payload, { ...fake.ctx, dispatch: store.dispatch });
    expect(fake.media.setIce.mock.calls).toEqual([[ice]]);
    expect(fake.effects()).toBe(1);
    expect(JSON.stringify(store.getState())).not.toContain(credential);
  });

  it('an ice_servers with an http: URL is ignored', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent(fixturePayload('media/invalid/event-ice-servers-http-url.json'), fake.ctx);
    expect(fake.effects()).toBe(0);
  });

  it('republished makes the engine subscribe again to another participant’s stream', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent(fixturePayload('media/event.republished.json'), fake.ctx);
    handleMediaEvent({ message: 'republished', participant: ids.bob, kind: 'screen' }, fake.ctx);
    expect(fake.media.resubscribe.mock.calls).toEqual([
      [ids.alice, 'camera'],
      [ids.bob, 'screen'],
    ]);
    expect(fake.effects()).toBe(2);
  });

  it('republished about my own stream is ignored', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'republished', participant: ids.me, kind: 'camera' }, fake.ctx);
    expect(fake.effects()).toBe(0);
  });

  it('subscribed changes nothing', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'subscribed', target: ids.alice, kind: 'camera' }, fake.ctx);
    expect(fake.effects()).toBe(0);
    expect(fake.reports.unrecognized).not.toHaveBeenCalled();
  });

  it('an error is reported with its namespace and changes nothing else', () => {
    const fake = fakeHandlerContext(ids.me);
    const error = { message: 'error', error: 'unknown_participant', text: 'no such participant' };
    handleMediaEvent(error, fake.ctx);
    expect(fake.reports.serverError.mock.calls).toEqual([['media', error]]);
    expect(fake.effects()).toBe(0);
  });

  it('ignores an SDP above the protocol’s bound', () => {
    const fake = fakeHandlerContext(ids.me);
    handleMediaEvent({ message: 'publish_answer', kind: 'camera', sdp: 'x'.repeat(32_001) }, fake.ctx);
    handleMediaEvent({ message: 'subscribe_offer', target: ids.alice, kind: 'camera', sdp: 'x'.repeat(32_001) }, fake.ctx);
    expect(fake.effects()).toBe(0);
  });

  const malformed: unknown[] = [
    ...hostilePayloads,
    { message: 'publish_answer', kind: 'camera', sdp: '' },
    { message: 'publish_answer', kind: 'microphone', sdp },
    { message: 'subscribe_offer', target: 'alice', kind: 'camera', sdp },
    { message: 'candidate', kind: 'camera', candidate: { candidate: 'c', extra: true } },
    { message: 'candidate', kind: 'camera', candidate: { candidate: 'c', sdpMLineIndex: 99 } },
    { message: 'media_state', participant: ids.alice, state: { ...cameraOn, audio: 'on' } },
    { message: 'media_state', participant: ids.alice },
    { message: 'muted' },
    { message: 'speaker', participant: ids.bob, speaking: 1 },
    { message: 'republished', participant: ids.alice, kind: 'microphone' },
    { message: 'republished', kind: 'camera' },
    { message: 'ice_servers' },
    { message: 'ice_servers', ice: { iceServers: [{ urls: ['turn:203.0.113.10:3478'], password: 'p' }] } },
  ];
  it.each(malformed)('passes a malformed payload on as unrecognized, without throwing: %j', (payload) => {
    const fake = fakeHandlerContext(ids.me);
    expect(() => handleMediaEvent(payload, fake.ctx)).not.toThrow();
    expect(fake.effects()).toBe(0);
    expect(fake.reports.unrecognized.mock.calls).toEqual([['media', payload]]);
    expect(fake.reports.serverError).not.toHaveBeenCalled();
  });
});
