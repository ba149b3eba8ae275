import { z } from 'zod';
import { keys } from '../../state/keys.js';
import type { VolatileStore } from '../../state/volatileStore.js';

/** Which controller runs a conference's bridge, and which bridge it is once started. */
export const BridgeClaim = z.strictObject({
  controllerId: z.string().min(1).max(100),
  /** `null` while the owner is still starting it. */
  bridgeId: z.string().regex(/^[a-z0-9]{8,16}$/).nullable(),
  claimedAt: z.iso.datetime(),
});
export type BridgeClaim = z.infer<typeof BridgeClaim>;

/** How long a claim operation may hold the room's claim lock. */
const lockTtlMs = 5000;

function parseClaim(value: string | undefined): BridgeClaim | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = BridgeClaim.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One bridge per conference across all controllers: the controller that runs a conference's
 * bridge holds a claim on it in the shared store. The claim is a lease: it expires `leaseMs`
 * after its last renewal, so the conference's next request after an owner died claims it anew.
 * Every change takes the room's claim lock, so that a claim can only be renewed, changed or
 * released by the controller that holds it, never by one whose lease ran out meanwhile.
 */
export class BridgeOwnership {
  readonly #store: VolatileStore;
  readonly #controllerId: string;
  readonly #leaseMs: number;

  constructor(store: VolatileStore, controllerId: string, leaseMs: number) {
    this.#store = store;
    this.#controllerId = controllerId;
    this.#leaseMs = leaseMs;
  }

  get leaseMs(): number {
    return this.#leaseMs;
  }

  /** The claim in force, if any. An unreadable claim counts as none (and is replaced by the next claim). */
  async owner(roomId: string): Promise<BridgeClaim | undefined> {
    return parseClaim(await this.#store.get(keys.bridgeOwner(roomId)));
  }

  /** Claims the conference's bridge for this controller unless another holds it; returns the claim in force. */
  async claim(roomId: string): Promise<BridgeClaim> {
    return this.#locked(roomId, async () => {
      const current = await this.owner(roomId);
      if (current) return current;
      const claim: BridgeClaim = { controllerId: this.#controllerId, bridgeId: null, claimedAt: new Date().toISOString() };
      await this.#store.set(keys.bridgeOwner(roomId), JSON.stringify(claim), { ttlMs: this.#leaseMs });
      return claim;
    });
  }

  /** Records which bridge this controller runs for the conference; false if the claim is no longer ours. */
  async setBridge(roomId: string, bridgeId: string): Promise<boolean> {
    return this.#locked(roomId, async () => {
      const current = await this.owner(roomId);
      if (current?.controllerId !== this.#controllerId) return false;
      await this.#store.set(keys.bridgeOwner(roomId), JSON.stringify({ ...current, bridgeId }), { ttlMs: this.#leaseMs });
      return true;
    });
  }

  /** Extends this controller's lease; false if the claim is no longer ours. */
  async renew(roomId: string): Promise<boolean> {
    return this.#locked(roomId, async () => {
      const current = await this.owner(roomId);
      if (current?.controllerId !== this.#controllerId) return false;
      return this.#store.expire(keys.bridgeOwner(roomId), this.#leaseMs);
    });
  }

  /** Gives the claim up if it is ours (and, given `bridgeId`, still names that bridge). */
  async release(roomId: string, bridgeId?: string): Promise<void> {
    await this.#locked(roomId, async () => {
      const current = await this.owner(roomId);
      if (current?.controllerId !== this.#controllerId) return;
      if (bridgeId !== undefined && current.bridgeId !== null && current.bridgeId !== bridgeId) return;
      await this.#store.delete(keys.bridgeOwner(roomId));
    });
  }

  #locked<T>(roomId: string, fn: () => Promise<T>): Promise<T> {
    return this.#store.withLock(keys.bridgeOwnerLock(roomId), lockTtlMs, fn);
  }
}
