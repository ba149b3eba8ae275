import { StartResponse, type VideoCodec } from '@plenum/protocol';
import { apiClient, json, type Api } from './apiClient.js';
import { launchBrowser } from './browser.js';
import { devLogin } from './devLogin.js';
import { openParticipant, serveMediaPage, type JoinOptions, type MediaParticipant, type RemoteMediaStats } from './mediaParticipant.js';
import { startTestApp, type TestApp, type TestAppOptions } from './testApp.js';

/**
 * The set-up every browser media test shares: a controller (started here, or given), Chromium,
 * the media test page (the web client's own session), and dev users who create rooms and take
 * tickets. `call()` is the usual start of a test: two participants in a new room who see and
 * hear each other.
 */
export interface MediaCalls {
  t: TestApp;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
  pageUrl: string;
  /** A REST client of a dev user (password `test-password`), signed in on first use. */
  user(name: string): Promise<Api>;
  /** A room owned by `owner` (default `alice`). */
  room(name: string, options?: { videoCodec?: VideoCodec; owner?: string }): Promise<string>;
  /** A fresh signaling ticket of `user` for `roomId`. */
  ticket(user: string, roomId: string): Promise<string>;
  /** `user` joins `roomId` with the media page; every participant opened here is closed by `close()`. */
  join(user: string, roomId: string, options?: Partial<JoinOptions>): Promise<MediaParticipant>;
  /** Two participants, `a` (Alice, the room's owner) and `b` (Bob), in a new room, each decoding the other's video and receiving the other's audio. */
  call(options?: CallOptions): Promise<MediaCall>;
  /** Closes the participants still open, Chromium, the page server, and the controller if started here. */
  close(): Promise<void>;
}

export interface CallOptions {
  /** Room name; default `Media call <n>`. */
  name?: string;
  /** The room's codec; default the controller's (VP8). */
  videoCodec?: VideoCodec;
  /** For both participants' join, e.g. `candidateAddressPrefixes`. */
  join?: Partial<JoinOptions>;
  /** Video frames each decodes from the other before `call()` returns; default 5. */
  minFrames?: number;
  /** Audio packets each receives from the other before `call()` returns; default 20. */
  minPackets?: number;
  /** How long each of those waits; default 20 s. */
  timeoutMs?: number;
}

export interface MediaCall {
  roomId: string;
  a: MediaParticipant;
  b: MediaParticipant;
  aId: string;
  bId: string;
  /** What `a` decoded of `b`'s video, and `b` of `a`'s, when each had `minFrames`. */
  video: { aFromB: RemoteMediaStats; bFromA: RemoteMediaStats };
  /** Both leave (a's and b's `close()`). */
  close: () => Promise<void>;
}

/** `app`: the controller to use (not closed by `close()`); otherwise one is started with `appOptions`. */
export async function startMediaCalls(options: { app?: TestApp; appOptions?: TestAppOptions } = {}): Promise<MediaCalls> {
  const t = options.app ?? (await startTestApp(options.appOptions));
  const [browser, pageServer] = await Promise.all([launchBrowser(), serveMediaPage()]);
  const users = new Map<string, Promise<Api>>();
  const opened: MediaParticipant[] = [];
  let rooms = 0;

  const user = (name: string) => {
    let api = users.get(name);
    if (!api) {
      api = devLogin(t.baseUrl, name, 'test-password').then((tokens) => apiClient(t.baseUrl, tokens.accessToken));
      users.set(name, api);
    }
    return api;
  };
  const room = async (name: string, { videoCodec, owner = 'alice' }: { videoCodec?: VideoCodec; owner?: string } = {}) => {
    const response = await (await user(owner))('POST', '/v1/rooms', { name, ...(videoCodec ? { videoCodec } : {}) });
    return String(json(response).id);
  };
  const ticket = async (name: string, roomId: string) => StartResponse.parse((await (await user(name))('POST', `/v1/rooms/${roomId}/start`, {})).body).ticket;
  const join = async (name: string, roomId: string, joinOptions: Partial<JoinOptions> = {}) => {
    const participant = await openParticipant(browser.context, pageServer.url, {
      wsUrl: `${t.baseUrl.replace('http', 'ws')}/v1/signaling`,
      ticket: await ticket(name, roomId),
      ...joinOptions,
    });
    opened.push(participant);
    return participant;
  };

  return {
    t,
    browser,
    pageUrl: pageServer.url,
    user,
    room,
    ticket,
    join,
    async call({ name, videoCodec, join: joinOptions, minFrames = 5, minPackets = 20, timeoutMs = 20_000 } = {}) {
      rooms += 1;
      const roomId = await room(name ?? `Media call ${rooms}`, videoCodec ? { videoCodec } : {});
      const a = await join('alice', roomId, joinOptions);
      const b = await join('bob', roomId, joinOptions);
      const [aId, bId] = [await a.id(), await b.id()];
      const aFromB = await a.waitForVideoFrom(bId, { minFrames, timeoutMs });
      const bFromA = await b.waitForVideoFrom(aId, { minFrames, timeoutMs });
      await a.waitForAudioFrom(bId, { minPackets, timeoutMs });
      await b.waitForAudioFrom(aId, { minPackets, timeoutMs });
      return {
        roomId,
        a,
        b,
        aId,
        bId,
        video: { aFromB, bFromA },
        close: async () => {
          await a.close();
          await b.close();
        },
      };
    },
    async close() {
      for (const participant of opened.splice(0)) await participant.close();
      await browser.close();
      await pageServer.close();
      if (!options.app) await t.close();
    },
  };
}
