import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where Debian's `janus` package keeps its modules. */
export const janusLibDir = '/usr/lib/x86_64-linux-gnu/janus';

/** How the controller talks to this bridge's Janus API. */
export type JanusApiTransport =
  | { kind: 'websocket'; address: string; port: number }
  | {
      kind: 'rabbitmq';
      host: string;
      port: number;
      username: string;
      password: string;
      vhost: string;
      /** Queue Janus consumes requests from. */
      toJanus: string;
      /** Queue Janus publishes replies and events to. */
      fromJanus: string;
    };

export interface JanusConfigOptions {
  /** The bridge's own directory: config, logs, recordings. Removed with the bridge. */
  dir: string;
  /** The only address Janus gathers ICE candidates on (its namespace's or the host's). */
  mediaAddress: string;
  /** Inclusive UDP port range for media, distinct per bridge. */
  rtpPorts: [number, number];
  /** Required in every Janus API request; random per bridge. */
  apiSecret: string;
  transport: JanusApiTransport;
  /**
   * The public address browsers send media to, when it is not `mediaAddress` (a 1:1 NAT
   * forwards the bridge's ports to it): Janus puts it into its candidates instead. Default: none.
   */
  natMapping?: string;
  /** Janus log verbosity 0–7. Default 3 (warnings). */
  debugLevel?: number;
}

/** Janus's own config language: a tiny serializer for the flat sections we write. */
function section(name: string, values: Record<string, string | number | boolean>): string {
  const lines = Object.entries(values).map(([key, value]) => `\t${key} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
  return `${name}: {\n${lines.join('\n')}\n}\n`;
}

/**
 * The configuration files of one bridge, as name → content. Only the videoroom plugin and the
 * one transport the controller uses are loaded; no static rooms, no admin API, IPv4 only,
 * media only on the bridge's address.
 */
export function renderJanusConfig(options: JanusConfigOptions): Record<string, string> {
  const { dir, transport } = options;
  const files: Record<string, string> = {
    'janus.jcfg': [
      section('general', {
        configs_folder: dir,
        plugins_folder: path.join(dir, 'plugins'),
        transports_folder: path.join(dir, 'transports'),
        events_folder: path.join(dir, 'none'),
        loggers_folder: path.join(dir, 'none'),
        debug_level: options.debugLevel ?? 3,
        api_secret: options.apiSecret,
        session_timeout: 60,
        hide_dependencies: true,
        server_name: 'plenum-bridge',
        // The address put into SDP; without it Janus guesses, and in a namespace guesses wrong.
        interface: options.mediaAddress,
      }),
      section('media', { ipv6: false, rtp_port_range: `${options.rtpPorts[0]}-${options.rtpPorts[1]}`, no_media_timer: 2 }),
      section('nat', {
        full_trickle: true,
        ice_enforce_list: options.mediaAddress,
        nice_debug: false,
        // Replaces the address of every host candidate and keeps the port: each bridge's slice is forwarded 1:1.
        ...(options.natMapping ? { nat_1_1_mapping: options.natMapping } : {}),
      }),
      section('plugins', {}),
      section('transports', {}),
      section('events', { broadcast: false }),
    ].join('\n'),
    'janus.plugin.videoroom.jcfg': section('general', { string_ids: true }),
  };
  if (transport.kind === 'websocket') {
    files['janus.transport.websockets.jcfg'] = [
      section('general', { json: 'plain', ws: true, ws_port: transport.port, ws_ip: transport.address, wss: false }),
      section('admin', { admin_ws: false, admin_wss: false }),
    ].join('\n');
  } else {
    files['janus.transport.rabbitmq.jcfg'] = [
      section('general', {
        enabled: true,
        json: 'plain',
        host: transport.host,
        port: transport.port,
        username: transport.username,
        password: transport.password,
        vhost: transport.vhost,
        to_janus: transport.toJanus,
        from_janus: transport.fromJanus,
        declare_outgoing_queue: true,
        queue_autodelete: true,
      }),
      section('admin', { admin_enabled: false }),
    ].join('\n');
  }
  return files;
}

/**
 * Writes the configuration into `dir`, with folders of symlinks to just the modules needed,
 * so Janus loads nothing else. Returns the path of `janus.jcfg`.
 */
export async function writeJanusConfig(options: JanusConfigOptions): Promise<string> {
  const { dir } = options;
  await mkdir(path.join(dir, 'plugins'), { recursive: true, mode: 0o700 });
  await mkdir(path.join(dir, 'transports'), { recursive: true, mode: 0o700 });
  await mkdir(path.join(dir, 'none'), { recursive: true, mode: 0o700 });
  await symlink(path.join(janusLibDir, 'plugins', 'libjanus_videoroom.so'), path.join(dir, 'plugins', 'libjanus_videoroom.so'));
  const transportLib = options.transport.kind === 'websocket' ? 'libjanus_websockets.so' : 'libjanus_rabbitmq.so';
  await symlink(path.join(janusLibDir, 'transports', transportLib), path.join(dir, 'transports', transportLib));
  for (const [name, content] of Object.entries(renderJanusConfig(options))) {
    await writeFile(path.join(dir, name), content, { mode: 0o600 });
  }
  return path.join(dir, 'janus.jcfg');
}
