import type { IceCandidate } from '@plenum/protocol';

/**
 * One peer connection with the bridge plus what trickle ICE needs: remote candidates wait
 * until the remote description is set, local ones until our offer or answer went out.
 */
export class Peer {
  readonly pc: RTCPeerConnection;
  closed = false;
  #remoteSet = false;
  #pendingRemote: IceCandidate[] = [];
  #localReady = false;
  #pendingLocal: IceCandidate[] = [];
  /** Serializes description changes, which must not overlap. */
  #chain: Promise<void> = Promise.resolve();

  /**
   * `configuration`: ICE servers and transport policy (`relay` after a failed attempt).
   * `onBroken`: ICE failed, or stayed disconnected for `brokenAfterMs` (a network change):
   * the owner replaces this connection.
   */
  constructor(
    private readonly sendCandidate: (candidate: IceCandidate) => void,
    configuration: RTCConfiguration,
    onBroken: () => void,
  ) {
    this.pc = new RTCPeerConnection({ ...configuration, bundlePolicy: 'max-bundle' });
    let disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
    this.pc.addEventListener('connectionstatechange', () => {
      clearTimeout(disconnectedTimer);
      if (this.closed) return;
      if (this.pc.connectionState === 'failed') onBroken();
      // A few seconds of silence is a moved network, not a hiccup: ICE would need ~30 s to say failed.
      else if (this.pc.connectionState === 'disconnected') disconnectedTimer = setTimeout(() => !this.closed && onBroken(), brokenAfterMs);
    });
    this.pc.addEventListener('icecandidate', (event) => {
      if (this.closed) return;
      const wire = toWire(event.candidate);
      if (wire === undefined) return;
      if (this.#localReady) this.sendCandidate(wire);
      else this.#pendingLocal.push(wire);
    });
  }

  /** Runs `step` after every earlier step; failures are reported, not thrown. */
  enqueue(step: () => Promise<void>, onError: (error: unknown) => void): void {
    this.#chain = this.#chain.then(step).catch(onError);
  }

  remoteDescriptionSet(): void {
    this.#remoteSet = true;
    for (const candidate of this.#pendingRemote.splice(0)) this.#apply(candidate);
  }

  localDescriptionSent(): void {
    this.#localReady = true;
    for (const candidate of this.#pendingLocal.splice(0)) this.sendCandidate(candidate);
  }

  addRemoteCandidate(candidate: IceCandidate): void {
    if (this.#remoteSet) this.#apply(candidate);
    else this.#pendingRemote.push(candidate);
  }

  close(): void {
    this.closed = true;
    this.pc.close();
  }

  #apply(candidate: IceCandidate): void {
    if (this.closed) return;
    const init =
      candidate === null
        ? undefined
        : {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid ?? null,
            sdpMLineIndex: candidate.sdpMLineIndex ?? (candidate.sdpMid == null ? 0 : null),
          };
    this.pc.addIceCandidate(init).catch(() => undefined);
  }
}

/** How long a connection may stay `disconnected` before it counts as broken. */
const brokenAfterMs = 5000;

/** The wire form of a local candidate; `undefined` skips empty ones; `null` ends gathering. */
function toWire(candidate: RTCIceCandidate | null): IceCandidate | undefined {
  if (candidate === null) return null;
  if (!candidate.candidate) return undefined;
  const wire: { candidate: string; sdpMid?: string; sdpMLineIndex?: number } = { candidate: candidate.candidate };
  if (candidate.sdpMid !== null) wire.sdpMid = candidate.sdpMid;
  if (candidate.sdpMLineIndex !== null) wire.sdpMLineIndex = candidate.sdpMLineIndex;
  return wire;
}
