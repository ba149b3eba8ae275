import { AnyEvent, eventContractViolation } from '@plenum/protocol';
import { afterAll, afterEach, expect } from 'vitest';

/**
 * Frames the controller sent in tests that break the signaling contract
 * (`eventContractViolation` of the protocol), as the test clients (SignalingClient, the media
 * page) report them. Importing this registers an `afterEach` and an `afterAll` hook in the test
 * file: each fails with every violation reported since the last check, so a violation fails the
 * test it happened in (or the file, if it came in a `beforeAll` or during teardown), even when
 * the test never looks at that frame or catches the clients' own errors.
 */

/** A frame of the controller that the contract refuses; the message names the frame. */
export class ContractViolationError extends Error {
  readonly code = 'contract_violation';
  constructor(readonly violations: readonly string[]) {
    super(`the controller sent ${violations.length} frame(s) the signaling contract refuses:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    this.name = 'ContractViolationError';
  }
}

const pending: string[] = [];

/** Records a violation; the current (or next) hook fails with it. */
export function reportContractViolation(violation: string): void {
  const test = expect.getState().currentTestName;
  pending.push(test === undefined ? violation : `${violation}\n    (received during "${test}")`);
}

/** Throws if any violation was reported since the last check. */
export function checkContractViolations(): void {
  if (pending.length > 0) throw new ContractViolationError(pending.splice(0));
}

/** A frame (a parsed JSON value, or text that was not JSON) for a failure message, cut at 600 characters. */
export function describeFrame(frame: unknown): string {
  const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
  return text.length > 600 ? `${text.slice(0, 600)}… (${text.length} characters)` : text;
}

/**
 * One frame a test client received, checked against the contract: a violation (binary, not
 * JSON, or refused by `eventContractViolation`) is added to `violations` and reported, labelled
 * `who`; the frame is returned as an event if it is one at all, so the test still sees it.
 */
export function receiveFrame(text: string, isBinary: boolean, who: string, violations: string[]): AnyEvent | undefined {
  let frame: unknown = text;
  let problem: string | undefined = isBinary ? 'a binary frame' : undefined;
  if (problem === undefined) {
    try {
      frame = JSON.parse(text);
      problem = eventContractViolation(frame);
    } catch {
      problem = 'not JSON';
    }
  }
  if (problem !== undefined) {
    const violation = `${who} received: ${problem}\n    frame: ${describeFrame(frame)}`;
    violations.push(violation);
    reportContractViolation(violation);
  }
  const event = AnyEvent.safeParse(frame);
  return event.success ? event.data : undefined;
}

// Registered on import, when the test file is collected. Vitest runs after-hooks in reverse
// order, so these run after the file's own (which close the clients).
afterEach(checkContractViolations);
afterAll(checkContractViolations);
