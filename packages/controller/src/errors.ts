/**
 * The one shape of Plenum's errors: a stable `code` that callers branch on, a message fit for
 * the log (and, where a class says so, for the client), and the `cause` that led to it.
 * Each concern names its codes as a union beside its subclass (see `bridge/janus/errors.ts`).
 */
export abstract class CodedError<Code extends string | number> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
