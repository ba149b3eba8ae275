import type { ConferenceBridge } from '../conference/conferenceBridge.js';

/**
 * A module's part that runs beside the conference's bridge, on the controller owning it, for
 * participants on every controller: their requests arrive here, its answers and Janus's
 * events go back to them through the broker. The router knows services only by namespace.
 */
export interface BridgeService {
  /** One participant's request (untrusted until parsed); the result goes back to its instance. */
  handle(conference: ConferenceBridge, participantId: string, body: unknown): Promise<unknown>;
  /** The bridge stopped or was replaced: forget everything that lived on it. */
  forget(roomId: string, bridgeId: string): void;
  /** Drops the state of participants no longer in the room (their controller died, say). */
  prune(roomId: string, present: ReadonlySet<string>): Promise<void>;
}

/** A participant's view of the bridge its media lives on. */
export interface BridgeWatcher {
  /** The bridge this participant's publications and subscriptions live on; undefined: none yet. */
  readonly bridgeId: string | undefined;
  /**
   * That bridge is gone (died, hung, its controller stopped): all media on it is lost. Called
   * at every check while `bridgeId` still names a gone bridge, so the watcher forgets it here.
   */
  lost(): void;
}
