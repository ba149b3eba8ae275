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
  await context.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    const seen: RTCPeerConnection[] = [];
    Object.defineProperty(window, '__plenumPeers', { value: seen });
    window.RTCPeerConnection = class extends Original {
      constructor(configuration?: RTCConfiguration) {
        super(configuration);
        seen.push(this);
      }
    };
  });
}

/** The selected candidate pair of each connected peer connection of the page. */
export async function selectedPairs(page: Page): Promise<SelectedPair[]> {
  return page.evaluate(async () => {
    const peers = (window as unknown as { __plenumPeers?: RTCPeerConnection[] }).__plenumPeers ?? [];
    const pairs: { localType: string; relayProtocol: string | undefined; remoteAddress: string; remotePort: number }[] = [];
    for (const pc of peers) {
      if (pc.connectionState !== 'connected') continue;
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((report: Record<string, unknown>) => stats.set(String(report.id), report));
      for (const report of stats.values()) {
        if (report.type !== 'transport' || typeof report.selectedCandidatePairId !== 'string') continue;
        const pair = stats.get(report.selectedCandidatePairId);
        const local = stats.get(String(pair?.localCandidateId));
        const remote = stats.get(String(pair?.remoteCandidateId));
        if (!local || !remote) continue;
        pairs.push({
          localType: String(local.candidateType),
          relayProtocol: typeof local.relayProtocol === 'string' ? local.relayProtocol : undefined,
          remoteAddress: String(remote.address ?? remote.ip),
          remotePort: Number(remote.port),
        });
      }
    }
    return pairs;
  });
}
