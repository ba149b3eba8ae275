import { JoinSuccess, type MediaState } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { conferenceReset } from '../../app/conferenceActions.js';
import { fixturePayload, ids, joinSuccess } from '../../test-support/factories.js';
import {
  bridgeStatusChanged,
  layoutChosen,
  localMediaChanged,
  mediaJoined,
  mediaSlice,
  mediaStateReceived,
  participantMediaGone,
  qualityMeasured,
  speakerChanged,
} from './mediaSlice.js';
import type { LinkStats } from './quality.js';

const reduce = mediaSlice.reducer;
const initial = () => reduce(undefined, { type: 'init' });
const on: MediaState = { audio: true, video: true, screen: false, forceMuted: false };
const muted: MediaState = { audio: false, video: true, screen: false, forceMuted: true };
const stats: LinkStats = { level: 'good', framesDecoded: 10, framesPerSecond: 15, audioPackets: 50, lossPercent: 0 };

describe('mediaSlice', () => {
  it('join_success keeps everyone’s media state except mine', () => {
    const join = joinSuccess({ modules: { media: { states: { [ids.me]: muted, [ids.alice]: on, [ids.bob]: muted }, ice: { iceServers: [] } } } });
    const state = reduce(initial(), mediaJoined({ join }));
    expect(state.states).toEqual({ [ids.alice]: on, [ids.bob]: muted });
  });

  it('join_success keeps the states but not the TURN credentials (they stay in the media engine)', () => {
    const join = JoinSuccess.parse(fixturePayload('control/event.join_success.media.json'));
    const state = reduce(initial(), mediaJoined({ join }));
    expect(Object.keys(state.states)).toHaveLength(2);
    expect(JSON.stringify(state)).not.toContain('k0sYhS3kS8e7r9yqv1f3Zb6Qm0E=');
    expect(JSON.stringify(state)).not.toContain('turn:');
  });

  it('join data that does not match the schema changes nothing', () => {
    const join = joinSuccess({ modules: { media: { states: { [ids.alice]: { audio: 'yes' } } } } });
    expect(reduce(initial(), mediaJoined({ join }))).toEqual(initial());
  });

  it('a media_state about another participant is stored; about me only sets forceMuted', () => {
    let state = reduce(initial(), mediaStateReceived({ participant: ids.alice, state: muted, mine: false }));
    expect(state.states[ids.alice]).toEqual(muted);
    state = reduce(state, localMediaChanged({ audio: false }));
    state = reduce(state, mediaStateReceived({ participant: ids.me, state: { audio: true, video: false, screen: true, forceMuted: true }, mine: true }));
    expect(state.states[ids.me]).toBeUndefined();
    // My own audio, video and screen are what I chose, not what came back.
    expect(state.local).toEqual({ audio: false, video: true, screen: false, forceMuted: true });
  });

  it('speaker events track who speaks and the last active speaker', () => {
    let state = reduce(initial(), speakerChanged({ participant: ids.alice, speaking: true }));
    state = reduce(state, speakerChanged({ participant: ids.bob, speaking: true }));
    expect(state.activeSpeaker).toBe(ids.bob);
    state = reduce(state, speakerChanged({ participant: ids.bob, speaking: false }));
    expect(state.speaking).toEqual({ [ids.alice]: true });
    // The last speaker stays in focus after falling silent.
    expect(state.activeSpeaker).toBe(ids.bob);
  });

  it('participantMediaGone forgets the participant’s state, speaking, quality and focus', () => {
    let state = reduce(initial(), mediaStateReceived({ participant: ids.alice, state: on, mine: false }));
    state = reduce(state, mediaStateReceived({ participant: ids.bob, state: on, mine: false }));
    state = reduce(state, speakerChanged({ participant: ids.alice, speaking: true }));
    state = reduce(state, qualityMeasured({ [ids.alice]: stats, [ids.bob]: stats }));
    state = reduce(state, participantMediaGone(ids.alice));
    expect(Object.keys(state.states)).toEqual([ids.bob]);
    expect(state.speaking).toEqual({});
    expect(Object.keys(state.quality)).toEqual([ids.bob]);
    expect(state.activeSpeaker).toBeNull();
  });

  it('participantMediaGone keeps the active speaker when someone else leaves', () => {
    let state = reduce(initial(), speakerChanged({ participant: ids.alice, speaking: true }));
    state = reduce(state, participantMediaGone(ids.bob));
    expect(state.activeSpeaker).toBe(ids.alice);
  });

  it('local media changes merge', () => {
    const state = reduce(initial(), localMediaChanged({ video: false, screen: true }));
    expect(state.local).toEqual({ audio: true, video: false, screen: true, forceMuted: false });
  });

  it('conferenceReset drops the room’s media data but keeps the chosen layout', () => {
    let state = reduce(initial(), layoutChosen('speaker'));
    state = reduce(state, mediaStateReceived({ participant: ids.alice, state: on, mine: false }));
    state = reduce(state, speakerChanged({ participant: ids.alice, speaking: true }));
    state = reduce(state, qualityMeasured({ [ids.alice]: stats }));
    state = reduce(state, bridgeStatusChanged('resetting'));
    state = reduce(state, localMediaChanged({ audio: false, forceMuted: true }));
    state = reduce(state, conferenceReset());
    expect(state).toEqual({ ...initial(), layout: 'speaker' });
  });
});
