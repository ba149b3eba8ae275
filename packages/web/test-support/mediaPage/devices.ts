// Instrumentation: the camera and microphone a test asks for (Chromium's fake devices), and a
// steady tone instead of the fake microphone.

import type { CameraSize } from './api.js';

/** Chromium's fake camera at exactly this size and rate, with its fake microphone. */
export function openCamera(size: Required<CameraSize>, audio = true): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    audio,
    video: { width: { ideal: size.width }, height: { ideal: size.height }, frameRate: { ideal: size.frameRate, max: size.frameRate } },
  });
}

/**
 * Replaces the microphone of `stream` with a steady 440 Hz tone from Web Audio. The fake
 * microphone only beeps briefly twice a second, which averages too quiet for the bridge's
 * active-speaker detection; a tone is a participant who keeps talking.
 */
export function useToneAsMicrophone(stream: MediaStream): void {
  const context = new AudioContext();
  const oscillator = context.createOscillator();
  oscillator.frequency.value = 440;
  const gain = context.createGain();
  gain.gain.value = 0.5;
  const destination = context.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  for (const track of stream.getAudioTracks()) {
    track.stop();
    stream.removeTrack(track);
  }
  for (const track of destination.stream.getAudioTracks()) stream.addTrack(track);
}

/** What the camera of `stream` delivers; null without one. */
export function cameraSettings(stream: MediaStream | null): { width: number; height: number; frameRate: number } | null {
  const settings = stream?.getVideoTracks()[0]?.getSettings();
  return settings ? { width: settings.width ?? 0, height: settings.height ?? 0, frameRate: settings.frameRate ?? 0 } : null;
}
