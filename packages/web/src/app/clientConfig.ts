import type { ClientConfig } from '@plenum/protocol';

let current: ClientConfig | null = null;

/** Set once at start-up from `/v1/client_config`. */
export function setClientConfig(config: ClientConfig): void {
  current = config;
}

export function videoConstraints(deviceId?: string): MediaTrackConstraints {
  const video = current?.video ?? { width: 640, height: 480, frameRate: 24 };
  return {
    width: { ideal: video.width },
    height: { ideal: video.height },
    frameRate: { ideal: video.frameRate },
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}
