// Instrumentation: what a peer connection's getStats() says, in the shape the tests read.

import type { OutboundMediaStats, RemoteMediaStats } from './api.js';

/** The fields of the report entries read here (the browser's own data; each may be missing). */
interface StatsEntry {
  type: string;
  kind?: string;
  codecId?: string;
  mimeType?: string;
  rid?: string;
  active?: boolean;
  framesDecoded?: number;
  framesEncoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  packetsReceived?: number;
  packetsSent?: number;
  bytesReceived?: number;
  bytesSent?: number;
  audioLevel?: number;
  totalSamplesReceived?: number;
  qualityLimitationReason?: string;
  nominated?: boolean;
  availableOutgoingBitrate?: number;
  selectedCandidatePairId?: string;
  localCandidateId?: string;
  address?: string;
}

function entries(report: RTCStatsReport): StatsEntry[] {
  const list: StatsEntry[] = [];
  report.forEach((entry: StatsEntry) => list.push(entry));
  return list;
}

function codecOf(report: RTCStatsReport, entry: StatsEntry): string | null {
  if (entry.codecId === undefined) return null;
  const codec = report.get(entry.codecId) as StatsEntry | undefined;
  return codec?.mimeType ?? null;
}

/** What `pc` receives: its video with the most decoded frames, and its audio. */
export async function inboundStats(pc: RTCPeerConnection): Promise<RemoteMediaStats> {
  const report = await pc.getStats();
  const out: RemoteMediaStats = {
    framesDecoded: 0,
    frameWidth: 0,
    frameHeight: 0,
    framesPerSecond: 0,
    codec: null,
    audioPacketsReceived: 0,
    audioBytesReceived: 0,
    audioLevel: 0,
    audioSamplesReceived: 0,
    audioCodec: null,
    connectionState: pc.connectionState,
  };
  for (const entry of entries(report)) {
    if (entry.type !== 'inbound-rtp') continue;
    if (entry.kind === 'video' && (entry.framesDecoded ?? 0) >= out.framesDecoded) {
      out.framesDecoded = entry.framesDecoded ?? 0;
      out.frameWidth = entry.frameWidth ?? 0;
      out.frameHeight = entry.frameHeight ?? 0;
      out.framesPerSecond = entry.framesPerSecond ?? 0;
      out.codec = codecOf(report, entry);
    } else if (entry.kind === 'audio' && (entry.packetsReceived ?? 0) >= out.audioPacketsReceived) {
      out.audioPacketsReceived = entry.packetsReceived ?? 0;
      out.audioBytesReceived = entry.bytesReceived ?? 0;
      out.audioLevel = entry.audioLevel ?? 0;
      out.audioSamplesReceived = entry.totalSamplesReceived ?? 0;
      out.audioCodec = codecOf(report, entry);
    }
  }
  return out;
}

/** What `pc` sends: every simulcast layer of its video (smallest first), and its audio. */
export async function outboundStats(pc: RTCPeerConnection): Promise<OutboundMediaStats> {
  const report = await pc.getStats();
  const out: OutboundMediaStats = {
    codec: null,
    bytesSent: 0,
    framesEncoded: 0,
    layers: [],
    audioCodec: null,
    audioBytesSent: 0,
    audioPacketsSent: 0,
    availableOutgoingBitrate: null,
    connectionState: pc.connectionState,
  };
  for (const entry of entries(report)) {
    if (entry.type === 'candidate-pair' && entry.nominated === true && entry.availableOutgoingBitrate !== undefined) {
      out.availableOutgoingBitrate = entry.availableOutgoingBitrate;
    }
    if (entry.type !== 'outbound-rtp') continue;
    if (entry.kind === 'video') {
      out.codec ??= codecOf(report, entry);
      out.bytesSent += entry.bytesSent ?? 0;
      out.framesEncoded += entry.framesEncoded ?? 0;
      out.layers.push({
        rid: entry.rid ?? null,
        frameWidth: entry.frameWidth ?? 0,
        frameHeight: entry.frameHeight ?? 0,
        bytesSent: entry.bytesSent ?? 0,
        framesEncoded: entry.framesEncoded ?? 0,
        active: entry.active ?? true,
        qualityLimitationReason: entry.qualityLimitationReason ?? null,
      });
    } else if (entry.kind === 'audio') {
      out.audioCodec ??= codecOf(report, entry);
      out.audioBytesSent += entry.bytesSent ?? 0;
      out.audioPacketsSent += entry.packetsSent ?? 0;
    }
  }
  out.layers.sort((a, b) => a.frameWidth - b.frameWidth);
  return out;
}

/** The local address of the candidate pair in use (the remote one may be hidden as prflx). */
export async function selectedLocalAddress(pc: RTCPeerConnection): Promise<string | null> {
  const report = await pc.getStats();
  for (const entry of entries(report)) {
    if (entry.type !== 'transport' || entry.selectedCandidatePairId === undefined) continue;
    const pair = report.get(entry.selectedCandidatePairId) as StatsEntry | undefined;
    const local = pair?.localCandidateId === undefined ? undefined : (report.get(pair.localCandidateId) as StatsEntry | undefined);
    return local?.address ?? null;
  }
  return null;
}
