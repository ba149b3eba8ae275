/** How a subscription is doing, from the browser's own statistics. */
export interface LinkStats {
  level: 'good' | 'fair' | 'poor' | 'unknown';
  framesDecoded: number;
  framesPerSecond: number;
  audioPackets: number;
  /** Packets lost since the previous measurement, in percent. */
  lossPercent: number;
}

export interface Counters {
  packetsReceived: number;
  packetsLost: number;
}

interface InboundReport {
  type: string;
  kind?: string;
  framesDecoded?: number;
  framesPerSecond?: number;
  packetsReceived?: number;
  packetsLost?: number;
  jitter?: number;
}

/** Reads the inbound RTP reports of one subscription and rates it against the last reading. */
export function rateLink(report: RTCStatsReport, previous: Counters | undefined): { stats: LinkStats; counters: Counters } {
  let framesDecoded = 0;
  let framesPerSecond = 0;
  let audioPackets = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let jitter = 0;
  report.forEach((value: InboundReport) => {
    if (value.type !== 'inbound-rtp') return;
    packetsReceived += value.packetsReceived ?? 0;
    packetsLost += Math.max(0, value.packetsLost ?? 0);
    jitter = Math.max(jitter, value.jitter ?? 0);
    if (value.kind === 'video') {
      framesDecoded += value.framesDecoded ?? 0;
      framesPerSecond = Math.max(framesPerSecond, value.framesPerSecond ?? 0);
    } else if (value.kind === 'audio') {
      audioPackets += value.packetsReceived ?? 0;
    }
  });
  const counters = { packetsReceived, packetsLost };
  const received = packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = packetsLost - (previous?.packetsLost ?? 0);
  const lossPercent = received + lost > 0 ? (100 * lost) / (received + lost) : 0;
  return { stats: { level: levelOf(received, lossPercent, jitter), framesDecoded, framesPerSecond, audioPackets, lossPercent }, counters };
}

/** Thresholds after common practice for interactive video: 2 % loss is noticeable, 8 % is bad. */
export function levelOf(receivedSinceLast: number, lossPercent: number, jitterSeconds: number): LinkStats['level'] {
  if (receivedSinceLast <= 0) return 'unknown';
  if (lossPercent >= 8 || jitterSeconds >= 0.1) return 'poor';
  if (lossPercent >= 2 || jitterSeconds >= 0.03) return 'fair';
  return 'good';
}
