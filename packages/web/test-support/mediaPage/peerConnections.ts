// Instrumentation: every RTCPeerConnection the page makes (the web client's and the self
// test's) records when ICE and DTLS completed, and reports its state changes to the trace.
// `watchPeerConnections` replaces `window.RTCPeerConnection` with a subclass; the web client
// is unchanged and unaware of it.

/** When a connection got there, the first time, in epoch ms. */
export interface ConnectionMarks {
  iceConnected?: number;
  connected?: number;
  firstFrame?: number;
}

const marks = new WeakMap<RTCPeerConnection, ConnectionMarks>();

/** Wall-clock milliseconds with sub-millisecond precision, comparable with Node's on the same machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** What was recorded for `pc` (an empty record for one made before the watch began). */
export function marksOf(pc: RTCPeerConnection): ConnectionMarks {
  let recorded = marks.get(pc);
  if (!recorded) {
    recorded = {};
    marks.set(pc, recorded);
  }
  return recorded;
}

/** From now on every RTCPeerConnection records its marks; `onState` hears each connection state. */
export function watchPeerConnections(onState: (pc: RTCPeerConnection, state: RTCPeerConnectionState) => void): void {
  const Native = window.RTCPeerConnection;
  class WatchedPeerConnection extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      const recorded = marksOf(this);
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected' || this.iceConnectionState === 'completed') recorded.iceConnected ??= now();
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') recorded.connected ??= now();
        onState(this, this.connectionState);
      });
    }
  }
  window.RTCPeerConnection = WatchedPeerConnection;
}
