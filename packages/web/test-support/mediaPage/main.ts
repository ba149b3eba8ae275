// The media test page: the web client's conference session (packages/web/src: ConferenceSession,
// SignalingConnection, MediaEngine, Peer, the signaling handlers, the Redux store) without its
// screens, driven by Playwright through `window.plenum`. Only instrumentation is its own: the
// recording socket and peer connections, statistics, timeline, tiles, the tone microphone,
// candidate filtering and the loopback self test. Built with Vite (vite.config.ts here) by
// the controller's tests, see packages/controller/src/test-support/mediaParticipant.ts.
//
// `window.plenumLog` holds every frame received, `window.plenumTrace` what the page saw happen
// (commands sent, socket and peer connection states, candidates held back),
// `window.plenumViolations` the frames received that the contract refuses; each of those is
// also passed to `window.plenumContractViolation` when the test exposed it.

import type { MediaPageApi, TraceEntry } from './api.js';
import { PageParticipant } from './participant.js';
import { watchPeerConnections } from './peerConnections.js';
import { selfTest } from './selfTest.js';
import { recordSignaling } from './wire.js';

declare global {
  interface Window {
    plenum: MediaPageApi;
    plenumLog: unknown[];
    plenumTrace: TraceEntry[];
    plenumViolations: string[];
    /** Exposed by the controller's tests (mediaParticipant.ts) to hear of each violation at once. */
    plenumContractViolation?: (report: string) => void;
  }
}

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`page.html has no #${id}`);
  return found;
}

const status = element('status');
const page = new PageParticipant(element('remote'));

recordSignaling(page.wire);
watchPeerConnections((pc, state) => page.note('connection state', { connection: page.describe(pc), state }));

window.plenumLog = page.received;
window.plenumTrace = page.trace;
window.plenumViolations = page.violations;
window.plenum = {
  join: async (options) => {
    status.textContent = 'joining';
    try {
      const joined = await page.join(options);
      status.textContent = 'joined';
      return joined;
    } catch (error) {
      status.textContent = 'join failed';
      throw error;
    }
  },
  state: () => page.state(),
  stats: () => page.stats(),
  leave: async () => {
    const left = await page.leave();
    status.textContent = 'left';
    return left;
  },
  setMicrophone: (on) => page.setMicrophone(on),
  setCamera: (on) => page.setCamera(on),
  setLayer: (target, substream) => page.setLayer(target, substream),
  timeline: () => page.timeline(),
  selfTest,
};
status.textContent = 'ready';
