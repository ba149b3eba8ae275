/**
 * What a launch has set up so far (directory, namespace, forwarding rules, broker account, …),
 * undone newest first. One failing step does not keep the others from running: each goes to
 * `onError`, so nothing is left behind quietly.
 */
export class UndoList {
  readonly #steps: (() => Promise<unknown>)[] = [];
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => undefined) {
    this.#onError = onError;
  }

  /** Adds the step that undoes what was just set up. */
  push(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }

  /** Runs every step pushed so far, once, newest first. Never rejects. */
  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
