import { Watch, type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from './apiErrors.js';
import { observedPodSchema, type ObservedPod } from './podState.js';

/** Told every change of one Pod; `undefined` once a Pod that was seen is gone. */
export type PodListener = (pod: ObservedPod | undefined) => void;

export interface PodWatchOptions {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  namespace: string;
  /** Selects the launcher's own Pods. */
  labelSelector: string;
  /** Pause before listing again after an error, ms. Default 1 000. */
  retryMs?: number;
  onError: (error: Error) => void;
}

/**
 * One watch over all of a launcher's Pods instead of one poll per bridge: list, then watch from
 * the list's resource version; when the stream ends or fails, list again (which also catches
 * deletions the stream missed). Runs only while some Pod is observed.
 */
export class PodWatch {
  readonly #options: PodWatchOptions;
  readonly #watch: Watch;
  readonly #listeners = new Map<string, PodListener>();
  /** Pods seen at least once: only for those does absence mean "deleted" rather than "not yet created". */
  readonly #seen = new Set<string>();
  #running: Promise<void> | undefined;
  #stream: AbortController | undefined;
  /** Set when the current stream is ended on purpose, so its end is no failure. */
  #stopping = false;
  #wake: (() => void) | undefined;
  #closed = false;
  #problem: string | undefined;

  constructor(options: PodWatchOptions) {
    this.#options = options;
    this.#watch = new Watch(options.kubeConfig);
  }

  /** Why watching fails at the moment (e.g. no permission to list pods), for error messages. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Observes the Pod `name` (before it is created, so no change is missed). Returns a function that stops observing. */
  observe(name: string, listener: PodListener): () => void {
    this.#listeners.set(name, listener);
    this.#ensureRunning();
    return () => {
      if (this.#listeners.get(name) !== listener) return;
      this.#listeners.delete(name);
      this.#seen.delete(name);
      if (this.#listeners.size === 0) this.#interrupt();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#interrupt();
    await this.#running;
  }

  #ensureRunning(): void {
    if (this.#running || !this.#active()) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      this.#ensureRunning();
    });
  }

  /** Whether anything is to be watched (a method: its answer changes across awaits). */
  #active(): boolean {
    return !this.#closed && this.#listeners.size > 0;
  }

  #interrupt(): void {
    this.#stopping = true;
    this.#stream?.abort();
    this.#wake?.();
  }

  #deliver(name: string, pod: ObservedPod | undefined): void {
    const listener = this.#listeners.get(name);
    if (!listener) return;
    if (pod) this.#seen.add(name);
    else if (!this.#seen.has(name)) return;
    listener(pod);
  }

  async #loop(): Promise<void> {
    const { core, namespace, labelSelector } = this.#options;
    while (this.#active()) {
      let failure: unknown;
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector });
        this.#problem = undefined;
        const present = new Map<string, ObservedPod>();
        for (const item of list.items) {
          const parsed = observedPodSchema.safeParse(item);
          if (parsed.success) present.set(parsed.data.metadata.name, parsed.data);
        }
        for (const name of [...this.#listeners.keys()]) this.#deliver(name, present.get(name));
        failure = await this.#follow(list.metadata?.resourceVersion);
      } catch (error) {
        failure = error;
      }
      if (failure !== undefined && this.#active()) {
        this.#problem = describeApiError(failure);
        this.#options.onError(new Error('watching bridge pods failed; listing again', { cause: failure }));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.retryMs ?? 1000);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    }
  }

  /** Follows the watch stream until it ends: resolves `undefined` when it ended normally or was stopped. */
  #follow(resourceVersion: string | undefined): Promise<unknown> {
    const path = `/api/v1/namespaces/${encodeURIComponent(this.#options.namespace)}/pods`;
    this.#stopping = false;
    return new Promise<unknown>((resolve) => {
      const onEvent = (type: string, object: unknown) => {
        if (type === 'BOOKMARK') return;
        if (type === 'ERROR') {
          // Typically 410 Gone (the version is too old): listing again starts afresh.
          this.#stopping = true;
          this.#stream?.abort();
          return;
        }
        const parsed = observedPodSchema.safeParse(object);
        if (!parsed.success) {
          this.#options.onError(new Error(`unexpected pod in a ${type} watch event`, { cause: parsed.error }));
          return;
        }
        this.#deliver(parsed.data.metadata.name, type === 'DELETED' ? undefined : parsed.data);
      };
      const onDone = (error: unknown) => resolve(this.#stopping || error === null ? undefined : error);
      this.#watch.watch(path, { labelSelector: this.#options.labelSelector, resourceVersion, allowWatchBookmarks: true }, onEvent, onDone).then(
        (controller) => {
          this.#stream = controller;
          if (this.#stopping || !this.#active()) this.#interrupt();
        },
        (error: unknown) => resolve(error),
      );
    }).finally(() => {
      this.#stream = undefined;
    });
  }
}
