import { videoConstraints } from '../app/clientConfig.js';

export type DeviceProblem = 'denied' | 'noCamera' | 'noMicrophone' | 'failed';

export interface LocalDevices {
  stream: MediaStream | null;
  problems: DeviceProblem[];
  detail: string | null;
}

const errorName = (error: unknown) => (error instanceof DOMException ? error.name : '');

/**
 * Camera and microphone as far as they work: a missing camera still leaves the microphone, and
 * the problems are named so the lobby can say what is missing and why.
 */
export async function openDevices(cameraId?: string, microphoneId?: string): Promise<LocalDevices> {
  const audio: MediaTrackConstraints = microphoneId ? { deviceId: { exact: microphoneId } } : {};
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio, video: videoConstraints(cameraId) }), problems: [], detail: null };
  } catch (error) {
    if (errorName(error) === 'NotAllowedError' || errorName(error) === 'SecurityError') return { stream: null, problems: ['denied'], detail: null };
    if (errorName(error) !== 'NotFoundError' && errorName(error) !== 'OverconstrainedError' && errorName(error) !== 'NotReadableError') {
      return { stream: null, problems: ['failed'], detail: error instanceof Error ? error.message : String(error) };
    }
  }
  const tracks: MediaStreamTrack[] = [];
  const problems: DeviceProblem[] = [];
  try {
    tracks.push(...(await navigator.mediaDevices.getUserMedia({ audio })).getTracks());
  } catch {
    problems.push('noMicrophone');
  }
  try {
    tracks.push(...(await navigator.mediaDevices.getUserMedia({ video: videoConstraints(cameraId) })).getTracks());
  } catch {
    problems.push('noCamera');
  }
  return { stream: tracks.length > 0 ? new MediaStream(tracks) : null, problems, detail: null };
}

export async function listDevices(): Promise<{ cameras: MediaDeviceInfo[]; microphones: MediaDeviceInfo[] }> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: devices.filter((d) => d.kind === 'videoinput' && d.deviceId !== ''),
    microphones: devices.filter((d) => d.kind === 'audioinput' && d.deviceId !== ''),
  };
}
