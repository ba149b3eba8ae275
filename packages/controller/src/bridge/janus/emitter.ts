/** Listener of an event whose arguments are `Args`. */
type Listener<Args extends unknown[]> = (...args: Args) => void;

/**
 * A minimal typed event emitter: `Events` maps each event name to its argument tuple. A
 * listener that throws is reported to `onListenerError` and does not stop the others, so a
 * bug in one consumer cannot break message dispatch.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  #listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};
  readonly #onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Calls `listener` on every `event` until `off`. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    (this.#listeners[event] ??= new Set()).add(listener);
    return this;
  }

  /** Calls `listener` on the next `event` only. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const wrapper: Listener<Events[K]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    this.#listeners[event]?.delete(listener);
    return this;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const listeners = this.#listeners[event];
    if (!listeners) return;
    // A copy, so listeners may remove themselves (as `once` does) while we iterate.
    for (const listener of [...listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }

  /** Forgets every listener, once nothing more will be emitted. */
  protected removeAllListeners(): void {
    this.#listeners = {};
  }
}
