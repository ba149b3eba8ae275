import type { ChildProcess } from 'node:child_process';
import { BridgeLaunchError, type Bridge } from '../../launcher.js';
import { waitForConsumer } from './brokerAccess.js';
import { waitForPort } from './launchSupport.js';

export type ExitHandler = (code: number | null, signal: NodeJS.Signals | null) => void;

/**
 * The lifetime every launcher's bridge shares: `exited()` is what the launcher's watcher
 * (process, container, Pod) calls when Janus ends; that is a crash, reported once to the
 * `onExit` handlers, unless `close()` began first. `close()` is idempotent and runs the
 * launcher's teardown once.
 */
export class LaunchedBridge implements Bridge {
  readonly id: string;
  readonly mediaAddress: string;
  readonly api: Bridge['api'];
  readonly #teardown: () => Promise<void>;
  readonly #exitHandlers: ExitHandler[] = [];
  #closing: Promise<void> | undefined;
  #hasExited = false;

  constructor(options: { id: string; mediaAddress: string; api: Bridge['api']; teardown: () => Promise<void> }) {
    this.id = options.id;
    this.mediaAddress = options.mediaAddress;
    this.api = options.api;
    this.#teardown = options.teardown;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Janus is no longer running (crashed, or stopped by `close()`). */
  get hasExited(): boolean {
    return this.#hasExited;
  }

  onExit(handler: ExitHandler): void {
    this.#exitHandlers.push(handler);
  }

  /** Janus ended; the first report counts. */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#hasExited) return;
    this.#hasExited = true;
    if (!this.#closing) for (const handler of this.#exitHandlers) handler(code, signal);
  }

  close(): Promise<void> {
    this.#closing ??= this.#teardown();
    return this.#closing;
  }
}

/** How long a bridge process has after SIGTERM before SIGKILL. */
const stopGraceMs = 3000;

/** A bridge's process: tells the bridge when it exits, and stops it (SIGTERM, then SIGKILL). */
export class BridgeProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #hasExited = false;

  /** `bridge.exited()` is called when the process ends, however it ends. */
  constructor(child: ChildProcess, bridge: LaunchedBridge) {
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#hasExited = true;
        resolve();
        bridge.exited(code, signal);
      });
    });
  }

  get hasExited(): boolean {
    return this.#hasExited;
  }

  async stop(): Promise<void> {
    if (this.#hasExited) return;
    this.#child.kill('SIGTERM');
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), stopGraceMs);
    await this.#exited;
    clearTimeout(killer);
  }
}

/**
 * Waits until the bridge's Janus answers: it consumes its request queue (RabbitMQ) or accepts
 * connections on `apiAddress:apiPort` (WebSocket). If it does not, the bridge is closed and the
 * error carries Janus's last words. A launcher closed meanwhile gets no bridge either.
 */
export async function untilReady(
  bridge: LaunchedBridge,
  options: { brokerUrl: string; apiAddress: string; apiPort: number; timeoutMs: number; lastWords(): Promise<string>; launcherClosed(): boolean },
): Promise<LaunchedBridge> {
  const { api } = bridge;
  try {
    if (api.kind === 'rabbitmq') await waitForConsumer(options.brokerUrl, api.toJanus, options.timeoutMs, () => bridge.hasExited);
    else await waitForPort(options.apiAddress, options.apiPort, options.timeoutMs, () => bridge.hasExited);
  } catch (error) {
    // Asked before close(), which ends Janus either way.
    const crashed = bridge.hasExited;
    const words = (await options.lastWords()).trim();
    await bridge.close();
    throw new BridgeLaunchError(crashed ? 'start_failed' : 'start_timeout', `${error instanceof Error ? error.message : 'start failed'}${words ? `: ${words}` : ''}`, { cause: error });
  }
  if (options.launcherClosed()) {
    await bridge.close();
    throw new BridgeLaunchError('closed', 'the launcher was closed while the bridge started');
  }
  return bridge;
}
