/** Options of `BridgeKeepalive`. */
export interface BridgeKeepaliveOptions {
  /** Time between probes, ms; each probe must answer within it. */
  intervalMs: number;
  /** Consecutive unanswered probes after which the bridge counts as hung. Default 2. */
  misses?: number;
  /** Sends one probe through the bridge's API transport; rejects when it is not answered in time. */
  probe: (timeoutMs: number) => Promise<void>;
  /** Called once when the bridge counts as hung. */
  onHung: (error: Error) => void;
}

/**
 * Watches a running bridge the way only a request can: a process that is alive but stopped,
 * deadlocked or cut off from the broker still looks fine to exit detection. A probe goes out
 * every `intervalMs` (never two at a time); `misses` unanswered ones in a row mean hung.
 */
export class BridgeKeepalive {
  readonly #options: Required<BridgeKeepaliveOptions>;
  readonly #timer: NodeJS.Timeout;
  #inFlight = false;
  #missed = 0;
  #stopped = false;

  constructor(options: BridgeKeepaliveOptions) {
    this.#options = { misses: 2, ...options };
    this.#timer = setInterval(() => void this.#tick(), options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #running(): boolean {
    return !this.#stopped;
  }

  async #tick(): Promise<void> {
    if (this.#inFlight || this.#stopped) return;
    this.#inFlight = true;
    try {
      await this.#options.probe(this.#options.intervalMs);
      this.#missed = 0;
    } catch (error) {
      this.#missed += 1;
      // stop() may have come while the probe was out.
      if (this.#missed >= this.#options.misses && this.#running()) {
        this.stop();
        this.#options.onHung(error instanceof Error ? error : new Error(String(error)));
      }
    } finally {
      this.#inFlight = false;
    }
  }
}
