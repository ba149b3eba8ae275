import type { JanusError } from './errors.js';
import type { JanusCandidate, JanusCandidatesCompleted, JanusJsep, JanusMediaInfo, JanusSlowlinkInfo, PluginData } from './messages.js';

/**
 * Every event of the Janus client, its sessions and handles, in one place. Each maps the event
 * name to its listener's arguments; subscribe with `on(name, listener)`.
 */

/** Events of `JanusClient`. */
export interface JanusClientEvents {
  /** The client closed: `error` says why when the transport was lost, unset after `close()`. */
  closed: [error?: JanusError];
}

/** Events of `JanusSession`. */
export interface JanusSessionEvents {
  /** Janus timed the session out (no keepalive for `session_timeout`); it is closed now. */
  timeout: [];
  /**
   * The session closed, with its handles: `error` says why (`closed`: client closed or
   * transport lost; `timeout`: Janus timed it out; 458: Janus no longer knows it), unset after
   * `destroy()`.
   */
  closed: [error?: JanusError];
}

/** A plugin event that does not answer one of our `message()` calls. */
export interface JanusPluginEvent {
  /** The plugin's name, e.g. `janus.plugin.videoroom`. */
  plugin: string;
  /** The plugin's payload, e.g. `{videoroom: 'event', publishers: [...]}` or `{videoroom: 'destroyed'}`. */
  data: PluginData;
  /** An offer or answer the plugin sends with it (e.g. a subscriber's renegotiation). */
  jsep: JanusJsep | undefined;
}

/** Events of `JanusHandle`: Janus's unsolicited messages about the handle. */
export interface JanusHandleEvents {
  /** `event` from the plugin that answers no `message()` of ours (those resolve the call instead). */
  event: [event: JanusPluginEvent];
  /** The PeerConnection is up: ICE and DTLS done. */
  webrtcup: [];
  /** Janus started or stopped receiving audio or video on a stream. */
  media: [info: JanusMediaInfo];
  /** Heavy packet loss on a stream. */
  slowlink: [info: JanusSlowlinkInfo];
  /** The PeerConnection closed; `reason` as Janus gives it (e.g. `DTLS alert`, `Close PC`). */
  hangup: [reason: string | undefined];
  /** One of Janus's ICE candidates (full trickle), or the end of them. */
  trickle: [candidate: JanusCandidate | JanusCandidatesCompleted];
  /** Janus detached the handle by itself (e.g. the plugin gave it up); it is closed now. */
  detached: [];
  /**
   * The handle closed: `error` (code `closed`, or the session's reason such as `timeout`) says
   * why when its session or client closed, the transport was lost or Janus detached it; unset
   * after `detach()`.
   */
  closed: [error?: JanusError];
}
