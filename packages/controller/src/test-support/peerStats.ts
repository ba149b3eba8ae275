import type { BrowserContext, Page } from 'playwright-core';

/** The candidate pair a connection of the page uses, as getStats reports it. */
export interface SelectedPair {
  localType: string;
  /** For relay candidates: how the browser reaches the TURN server (udp, tcp, tls). */
  relayProtocol: string | undefined;
  remoteAddress: string;
  remotePort: number;
}

/**
 * Lets a test read the page's peer connections: every RTCPeerConnection the web client makes
 * is remembered on `window` (instrumentation only; the client itself is unchanged).
 */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
  // Page code as text: the controller's TypeScript has no DOM types.
  await context.addInitScript(`{
    const Original = window.RTCPeerConnection;
    const seen = [];
    Object.defineProperty(window, '__plenumPeers', { value: seen });
    window.RTCPeerConnection = class extends Original {
      constructor(configuration) {
        super(configuration);
        seen.push(this);
      }
    };
  }`);
}

/** The selected candidate pair of each connected peer connection of the page. */
export async function selectedPairs(page: Page): Promise<SelectedPair[]> {
  const pairs: unknown = await page.evaluate(`(async () => {
    const pairs = [];
    for (const pc of window.__plenumPeers ?? []) {
      if (pc.connectionState !== 'connected') continue;
      const stats = new Map();
      (await pc.getStats()).forEach((report) => stats.set(report.id, report));
      for (const report of stats.values()) {
        if (report.type !== 'transport' || typeof report.selectedCandidatePairId !== 'string') continue;
        const pair = stats.get(report.selectedCandidatePairId);
        const local = pair && stats.get(pair.localCandidateId);
        const remote = pair && stats.get(pair.remoteCandidateId);
        if (!local || !remote) continue;
        pairs.push({ localType: local.candidateType, relayProtocol: local.relayProtocol, remoteAddress: remote.address ?? remote.ip, remotePort: remote.port });
      }
    }
    return pairs;
  })()`);
  return pairs as SelectedPair[];
}
