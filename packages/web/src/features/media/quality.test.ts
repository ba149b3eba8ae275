import { describe, expect, it } from 'vitest';
import { levelOf, rateLink } from './quality.js';

/** An RTCStatsReport is a read-only Map of stats objects; rateLink only iterates it. */
function report(...entries: Record<string, unknown>[]): RTCStatsReport {
  return new Map(entries.map((entry, index) => [`stat${index}`, entry]));
}

const video = (fields: Record<string, unknown>) => ({ type: 'inbound-rtp', kind: 'video', ...fields });
const audio = (fields: Record<string, unknown>) => ({ type: 'inbound-rtp', kind: 'audio', ...fields });

describe('levelOf', () => {
  it('is unknown while nothing new arrived', () => {
    expect(levelOf(0, 0, 0)).toBe('unknown');
    expect(levelOf(-5, 50, 1)).toBe('unknown');
  });

  it('rates loss: below 2 % good, from 2 % fair, from 8 % poor', () => {
    expect(levelOf(100, 0, 0)).toBe('good');
    expect(levelOf(100, 1.99, 0)).toBe('good');
    expect(levelOf(100, 2, 0)).toBe('fair');
    expect(levelOf(100, 7.99, 0)).toBe('fair');
    expect(levelOf(100, 8, 0)).toBe('poor');
  });

  it('rates jitter: below 30 ms good, from 30 ms fair, from 100 ms poor', () => {
    expect(levelOf(100, 0, 0.029)).toBe('good');
    expect(levelOf(100, 0, 0.03)).toBe('fair');
    expect(levelOf(100, 0, 0.099)).toBe('fair');
    expect(levelOf(100, 0, 0.1)).toBe('poor');
  });
});

describe('rateLink', () => {
  it('sums the inbound RTP streams and ignores every other report', () => {
    const { stats, counters } = rateLink(
      report(
        video({ framesDecoded: 300, framesPerSecond: 15, packetsReceived: 900, packetsLost: 0, jitter: 0.004 }),
        audio({ packetsReceived: 500, packetsLost: 0, jitter: 0.002 }),
        { type: 'outbound-rtp', kind: 'video', packetsSent: 10_000 },
        { type: 'candidate-pair', packetsReceived: 99_999, packetsLost: 99_999 },
      ),
      undefined,
    );
    expect(stats).toEqual({ level: 'good', framesDecoded: 300, framesPerSecond: 15, audioPackets: 500, lossPercent: 0 });
    expect(counters).toEqual({ packetsReceived: 1400, packetsLost: 0 });
  });

  it('measures loss since the previous reading, not since the start', () => {
    // Heavy loss long ago, none since: the link is good now.
    const previous = { packetsReceived: 1000, packetsLost: 500 };
    const now = rateLink(report(video({ packetsReceived: 2000, packetsLost: 500 })), previous);
    expect(now.stats.lossPercent).toBe(0);
    expect(now.stats.level).toBe('good');
    // 50 of the last 1000 packets lost: 5 %.
    const later = rateLink(report(video({ packetsReceived: 2950, packetsLost: 550 })), now.counters);
    expect(later.stats.lossPercent).toBeCloseTo(5, 5);
    expect(later.stats.level).toBe('fair');
  });

  it('rates high loss or jitter as poor', () => {
    expect(rateLink(report(video({ packetsReceived: 90, packetsLost: 10 })), undefined).stats).toMatchObject({ level: 'poor', lossPercent: 10 });
    expect(rateLink(report(audio({ packetsReceived: 100, jitter: 0.15 })), undefined).stats.level).toBe('poor');
  });

  it('is unknown when no packet arrived since the last reading', () => {
    const counters = { packetsReceived: 100, packetsLost: 0 };
    expect(rateLink(report(video({ packetsReceived: 100, packetsLost: 0 })), counters).stats.level).toBe('unknown');
    expect(rateLink(report(), undefined).stats).toEqual({ level: 'unknown', framesDecoded: 0, framesPerSecond: 0, audioPackets: 0, lossPercent: 0 });
  });

  it('treats a negative packetsLost (duplicates) as none and takes the highest frame rate', () => {
    const { stats, counters } = rateLink(
      report(video({ packetsReceived: 100, packetsLost: -3, framesPerSecond: 10 }), video({ packetsReceived: 100, framesPerSecond: 24 })),
      undefined,
    );
    expect(counters.packetsLost).toBe(0);
    expect(stats.framesPerSecond).toBe(24);
    expect(stats.level).toBe('good');
  });
});
