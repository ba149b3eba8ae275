// Instrumentation: the signaling socket seen from outside the web client. `recordSignaling`
// replaces `window.WebSocket` with a subclass that reports what arrives and what leaves, and
// may hold a command back (as a network filter would). The web client's SignalingConnection
// is unchanged and unaware of it. Every frame received is checked strictly against the
// contract (`eventContractViolation`); what fails is reported as a violation, which fails the
// controller's test (packages/controller/src/test-support/mediaParticipant.ts).

import { eventContractViolation } from '@plenum/protocol';

export interface WireObserver {
  opened(socket: WebSocket): void;
  /** Every frame from the controller, parsed as JSON, before the client handles it (also one that broke the contract). */
  received(frame: unknown): void;
  /** A frame from the controller the contract refuses: why, and the frame (JSON, cut at 600 characters). */
  violation(report: string): void;
  /** A frame about to leave, parsed as JSON; return false to drop it. */
  sending(frame: unknown): boolean;
  closed(code: number, reason: string): void;
}

/** Why `text`, a frame received, is not an event of the contract, or `undefined`. */
function check(text: string): string | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return eventContractViolation(frame);
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
    #frames = 0;

    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Registered before the client's own listeners, so they run first.
      this.addEventListener('open', () => observer.opened(this));
      this.addEventListener('message', (message: MessageEvent<unknown>) => {
        const index = this.#frames++;
        if (typeof message.data !== 'string') {
          observer.violation(`frame #${index} received: a binary frame`);
          return;
        }
        const problem = check(message.data);
        if (problem !== undefined) {
          const frame = message.data.length > 600 ? `${message.data.slice(0, 600)}… (${message.data.length} characters)` : message.data;
          observer.violation(`frame #${index} received: ${problem}\n    frame: ${frame}`);
        }
        observer.received(parse(message.data));
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
