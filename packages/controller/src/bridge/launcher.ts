import { CodedError } from '../errors.js';

/** How the controller reaches a running bridge's Janus API. */
export type BridgeApi = { kind: 'websocket'; url: string } | { kind: 'rabbitmq'; toJanus: string; fromJanus: string };

/** What a launcher needs to start one conference's bridge. */
export interface BridgeSpec {
  /** Random, `[a-z0-9]{8,16}`; names the namespace, directory, queues. */
  id: string;
  /** Secret every Janus API request must carry. */
  apiSecret: string;
}

/**
 * One running Janus for one conference. `close()` stops it and deletes everything it had:
 * process, directory (config, logs, recordings), network namespace. Idempotent.
 */
export interface Bridge {
  readonly id: string;
  /** The address browsers send media to. */
  readonly mediaAddress: string;
  readonly api: BridgeApi;
  readonly closed: boolean;
  /** Called once if Janus exits on its own (crash), not after `close()`. */
  onExit(handler: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  close(): Promise<void>;
}

/**
 * Starts bridges. Implementations, one folder each under `launchers/`: `sandbox` (namespace +
 * bubblewrap), `oci` (a container through the Docker Engine API), `host` (a plain process),
 * `kubernetes` (a Pod); `launcher.contract.ts` is what every one of them must do.
 */
export interface BridgeLauncher {
  readonly kind: string;
  launch(spec: BridgeSpec): Promise<Bridge>;
  /**
   * Removes what bridges of launchers that died without closing them left behind (a
   * controller killed with SIGKILL); bridges of live launchers stay. Idempotent; the first
   * `launch` waits for the first sweep.
   */
  sweep(): Promise<void>;
  /** Stops every bridge this launcher started. */
  close(): Promise<void>;
}

/**
 * Why a bridge did not start:
 * - `invalid_spec`: the id does not match `[a-z0-9]{8,16}`;
 * - `misconfigured`: the settings cannot work (loopback media address, unreachable directory, …);
 * - `unavailable`: what bridges run on does not answer (no container engine);
 * - `no_image`: the bridge image is missing;
 * - `no_capacity`: no free address, port range or slot is left;
 * - `start_failed`: Janus or its sandbox, container or Pod failed while starting;
 * - `start_timeout`: Janus did not answer in time;
 * - `closed`: the launcher was closed, or the bridge stopped, while starting;
 * - `disabled`: media is switched off (`PLENUM_BRIDGE_LAUNCHER=none`).
 */
export type BridgeLaunchErrorCode =
  | 'invalid_spec'
  | 'misconfigured'
  | 'unavailable'
  | 'no_image'
  | 'no_capacity'
  | 'start_failed'
  | 'start_timeout'
  | 'closed'
  | 'disabled';

export class BridgeLaunchError extends CodedError<BridgeLaunchErrorCode> {
  override readonly name = 'BridgeLaunchError';
}
