import { useSyncExternalStore } from 'react';
import type { MediaEngine } from './mediaEngine.js';

/** Re-renders when the engine's streams change. */
export function useEngineVersion(engine: MediaEngine): number {
  return useSyncExternalStore(engine.subscribe, engine.version);
}
