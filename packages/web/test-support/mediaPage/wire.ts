// Instrumentation: the signaling socket seen from outside the web client. `recordSignaling`
// replaces `window.WebSocket` with a subclass that reports what arrives and what leaves, and
// may hold a command back (as a network filter would). The web client's SignalingConnection
// is unchanged and unaware of it.

export interface WireObserver {
  opened(socket: WebSocket): void;
  /** Every frame from the controller, parsed as JSON (unchecked), before the client handles it. */
  received(frame: unknown): void;
  /** A frame about to leave, parsed as JSON; return false to drop it. */
  sending(frame: unknown): boolean;
  closed(code: number, reason: string): void;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** From now on every WebSocket the page opens reports to `observer`. */
export function recordSignaling(observer: WireObserver): void {
  const Native = window.WebSocket;
  class RecordingWebSocket extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Registered before the client's own listeners, so they run first.
      this.addEventListener('open', () => observer.opened(this));
      this.addEventListener('message', (message: MessageEvent<unknown>) => {
        if (typeof message.data === 'string') observer.received(parse(message.data));
      });
      this.addEventListener('close', (event) => observer.closed(event.code, event.reason));
    }

    override send(data: Parameters<WebSocket['send']>[0]): void {
      if (typeof data === 'string' && !observer.sending(parse(data))) return;
      super.send(data);
    }
  }
  window.WebSocket = RecordingWebSocket;
}

/** The address of a candidate line (`candidate:<foundation> <component> <protocol> <priority> <address> <port> typ …`), without IPv6 brackets. */
export function candidateAddress(candidate: string): string {
  return (candidate.split(' ')[4] ?? '').replace(/^\[(.*)\]$/, '$1');
}
