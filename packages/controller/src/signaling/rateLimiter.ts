/**
 * A token bucket per connection: `ratePerSecond` messages on average, bursts up to `burst`.
 * Sustained abuse, more than `abuseLimit` refused messages within `abuseWindowMs`, marks the
 * connection for disconnection.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #abuseLimit: number;
  readonly #abuseWindowMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;
  #refusals: number[] = [];

  constructor(options: { ratePerSecond: number; burst: number; abuseLimit?: number; abuseWindowMs?: number; now?: () => number }) {
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#abuseLimit = options.abuseLimit ?? 100;
    this.#abuseWindowMs = options.abuseWindowMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.burst;
    this.#last = this.#now();
  }

  /** `ok`: go ahead; `limited`: refuse this message; `abuse`: disconnect. */
  take(): 'ok' | 'limited' | 'abuse' {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 'ok';
    }
    this.#refusals.push(now);
    while (this.#refusals.length > 0 && (this.#refusals[0] ?? now) <= now - this.#abuseWindowMs) this.#refusals.shift();
    return this.#refusals.length > this.#abuseLimit ? 'abuse' : 'limited';
  }
}
