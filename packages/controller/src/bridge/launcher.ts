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

/** Starts bridges. Implementations: `sandbox` (namespace + bubblewrap), later `oci`, `kubernetes`, `host`. */
export interface BridgeLauncher {
  readonly kind: string;
  launch(spec: BridgeSpec): Promise<Bridge>;
  /** Stops every bridge this launcher started. */
  close(): Promise<void>;
}

export class BridgeLaunchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BridgeLaunchError';
  }
}
