import type { VideoCodec } from '@plenum/protocol';
import { JanusClient } from '../janus/client.js';
import type { JanusHandle } from '../janus/handle.js';
import type { JanusSession } from '../janus/session.js';
import { AmqpJanusTransport } from '../janus/amqpTransport.js';
import type { JanusTransport } from '../janus/transport.js';
import { WebSocketJanusTransport } from '../janus/websocketTransport.js';
import type { Bridge } from '../launcher.js';

/** The videoroom of a conference: one per bridge, named like the conference. */
export function videoroomCreateRequest(room: string, codec: VideoCodec) {
  return {
    request: 'create',
    room,
    permanent: false,
    is_private: true,
    publishers: 100,
    videocodec: codec,
    audiocodec: 'opus',
    // Keyframes every 10 s at least, so late subscribers and layer switches start quickly.
    fir_freq: 10,
    // Active speaker detection from the publishers' audio levels.
    audiolevel_event: true,
    audio_active_packets: 50,
    audio_level_average: 40,
    notify_joining: false,
  };
}

/**
 * A running bridge with the controller's connection to it: the Janus client, an admin handle
 * for room-wide requests (moderation), and the conference's videoroom.
 */
export class ConferenceBridge {
  readonly bridge: Bridge;
  readonly room: string;
  readonly #client: JanusClient;
  readonly #admin: JanusHandle;
  #closing: Promise<void> | undefined;

  private constructor(bridge: Bridge, room: string, client: JanusClient, admin: JanusHandle) {
    this.bridge = bridge;
    this.room = room;
    this.#client = client;
    this.#admin = admin;
  }

  /** Connects to a launched bridge and creates the conference's videoroom. */
  static async open(
    bridge: Bridge,
    options: { room: string; codec: VideoCodec; apiSecret: string; brokerUrl: string | undefined; onError: (error: Error) => void },
  ): Promise<ConferenceBridge> {
    const { api } = bridge;
    let transport: JanusTransport;
    if (api.kind === 'websocket') transport = await WebSocketJanusTransport.connect(api.url);
    else if (options.brokerUrl) transport = await AmqpJanusTransport.connect(options.brokerUrl, { toJanus: api.toJanus, fromJanus: api.fromJanus });
    else throw new Error('the bridge is commanded through RabbitMQ, but no broker URL is configured');
    const client = new JanusClient(transport, { apiSecret: options.apiSecret, onError: options.onError });
    try {
      const session = await client.createSession();
      const admin = await session.attach('janus.plugin.videoroom', { opaqueId: 'plenum-admin' });
      await admin.request(videoroomCreateRequest(options.room, options.codec));
      return new ConferenceBridge(bridge, options.room, client, admin);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** A Janus session for one participant; destroying it removes all its publishers and subscriptions. */
  createSession(): Promise<JanusSession> {
    return this.#client.createSession();
  }

  /** Mutes or unmutes one stream of a publisher at the bridge (it drops the packets). */
  async moderate(publisherId: string, mid: string, mute: boolean): Promise<void> {
    await this.#admin.request({ request: 'moderate', room: this.room, id: publisherId, mid, mute });
  }

  /**
   * One keepalive probe through the bridge's API transport (RabbitMQ or WebSocket): a round
   * trip through Janus's core and the videoroom plugin, which also checks the conference's room.
   */
  async probe(timeoutMs: number): Promise<void> {
    const answer = await this.#admin.request({ request: 'exists', room: this.room }, { timeoutMs });
    if (answer.exists !== true) throw new Error(`the bridge lost the conference's room ${this.room}`);
  }

  /** Disconnects and stops the bridge, deleting everything it stored. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#client.close().catch(() => undefined);
      await this.bridge.close();
    })();
    return this.#closing;
  }
}
