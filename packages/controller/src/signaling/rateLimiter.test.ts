import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rateLimiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refuses until tokens refill at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 10, burst: 30, now: () => now });
    const burst = Array.from({ length: 31 }, () => limiter.take());
    expect(burst.filter((r) => r === 'ok')).toHaveLength(30);
    expect(burst[30]).toBe('limited');
    now += 100;
    expect(limiter.take()).toBe('ok');
    expect(limiter.take()).toBe('limited');
  });

  it('reports abuse when refusals keep coming within the window', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, abuseLimit: 5, abuseWindowMs: 1000, now: () => now });
    limiter.take();
    const results = Array.from({ length: 6 }, () => limiter.take());
    expect(results.slice(0, 5)).toEqual(['limited', 'limited', 'limited', 'limited', 'limited']);
    expect(results[5]).toBe('abuse');
    now += 2000;
    expect(limiter.take()).toBe('ok');
  });
});
