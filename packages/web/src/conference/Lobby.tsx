import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n/useT.js';
import type { MessageKey } from '../i18n/messages.js';
import { StreamVideo } from '../features/media/StreamVideo.js';
import { AudioLevel } from './AudioLevel.js';
import { listDevices, openDevices, type DeviceProblem } from './localDevices.js';

export interface JoinChoice {
  displayName: string;
  password?: string;
  stream: MediaStream | null;
  audio: boolean;
  video: boolean;
}

const problemText: Record<Exclude<DeviceProblem, 'failed'>, MessageKey> = {
  denied: 'devicesDenied',
  noCamera: 'noCamera',
  noMicrophone: 'noMicrophone',
};

/** Preview and choose camera and microphone, set the name, then join. */
export function Lobby(props: { roomName: string; defaultName: string; askPassword: boolean; error: string | null; onJoin: (choice: JoinChoice) => void }) {
  const t = useT();
  const [name, setName] = useState(props.defaultName);
  const [password, setPassword] = useState('');
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [problems, setProblems] = useState<DeviceProblem[]>([]);
  const [detail, setDetail] = useState<string | null>(null);
  const [cameras, setCameras] = useState<MediaDeviceInfo[]>([]);
  const [microphones, setMicrophones] = useState<MediaDeviceInfo[]>([]);
  const [cameraId, setCameraId] = useState('');
  const [microphoneId, setMicrophoneId] = useState('');
  const [audio, setAudio] = useState(true);
  const [video, setVideo] = useState(true);
  const [joining, setJoining] = useState(false);
  /** Joining before the devices answered would enter without camera and microphone. */
  const [devicesReady, setDevicesReady] = useState(false);
  /** The stream handed to the meeting must outlive the lobby. */
  const handedOver = useRef<MediaStream | null>(null);

  useEffect(() => {
    const effect = { cancelled: false };
    const cancelled = () => effect.cancelled;
    let opened: MediaStream | null = null;
    setDevicesReady(false);
    void openDevices(cameraId || undefined, microphoneId || undefined).then(async (result) => {
      opened = result.stream;
      if (cancelled()) {
        for (const track of result.stream?.getTracks() ?? []) track.stop();
        return;
      }
      setStream(result.stream);
      setProblems(result.problems);
      setDetail(result.detail);
      setDevicesReady(true);
      const devices = await listDevices().catch(() => ({ cameras: [], microphones: [] }));
      if (cancelled()) return;
      setCameras(devices.cameras);
      setMicrophones(devices.microphones);
    });
    return () => {
      effect.cancelled = true;
      if (opened !== null && opened !== handedOver.current) for (const track of opened.getTracks()) track.stop();
    };
  }, [cameraId, microphoneId]);

  useEffect(() => {
    for (const track of stream?.getAudioTracks() ?? []) track.enabled = audio;
    for (const track of stream?.getVideoTracks() ?? []) track.enabled = video;
  }, [stream, audio, video]);

  const join = (event: SyntheticEvent) => {
    event.preventDefault();
    setJoining(true);
    handedOver.current = stream;
    props.onJoin({ displayName: name.trim(), stream, audio: audio && hasAudio(stream), video: video && hasVideo(stream), ...(password ? { password } : {}) });
  };

  return (
    <main className="lobby">
      <h1>{t('lobbyTitle', { room: props.roomName })}</h1>
      <div className="lobby-grid">
        <div className="preview">
          {stream && hasVideo(stream) ? <StreamVideo stream={stream} muted mirrored label={t('camera')} /> : <div className="no-video" aria-hidden="true" />}
          <AudioLevel stream={stream} />
          <div className="toggle-row">
            <button type="button" aria-pressed={!audio} disabled={!hasAudio(stream)} onClick={() => setAudio(!audio)}>
              {audio ? t('micOn') : t('micOff')}
            </button>
            <button type="button" aria-pressed={!video} disabled={!hasVideo(stream)} onClick={() => setVideo(!video)}>
              {video ? t('camOn') : t('camOff')}
            </button>
          </div>
          {problems.map((problem) => (
            <p key={problem} role="alert" className="warning">
              {problem === 'failed' ? t('devicesFailed', { reason: detail ?? '' }) : t(problemText[problem])}
            </p>
          ))}
        </div>
        <form className="join-form" onSubmit={join}>
          <label htmlFor="lobby-camera">{t('camera')}</label>
          <select id="lobby-camera" value={cameraId} onChange={(e) => setCameraId(e.target.value)} disabled={cameras.length === 0}>
            <option value="">—</option>
            {cameras.map((device, index) => (
              <option key={device.deviceId} value={device.deviceId}>
                {device.label || `${t('camera')} ${index + 1}`}
              </option>
            ))}
          </select>
          <label htmlFor="lobby-microphone">{t('microphone')}</label>
          <select id="lobby-microphone" value={microphoneId} onChange={(e) => setMicrophoneId(e.target.value)} disabled={microphones.length === 0}>
            <option value="">—</option>
            {microphones.map((device, index) => (
              <option key={device.deviceId} value={device.deviceId}>
                {device.label || `${t('microphone')} ${index + 1}`}
              </option>
            ))}
          </select>
          <label htmlFor="lobby-name">{t('displayName')}</label>
          <input id="lobby-name" value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} />
          {props.askPassword && (
            <>
              <label htmlFor="lobby-password">{t('password')}</label>
              <input id="lobby-password" type="password" value={password} maxLength={128} required onChange={(e) => setPassword(e.target.value)} />
            </>
          )}
          {props.error !== null && (
            <p role="alert" className="warning">
              {props.error}
            </p>
          )}
          <button type="submit" className="primary" disabled={joining || !devicesReady || name.trim() === ''}>
            {joining ? t('joining') : t('join')}
          </button>
        </form>
      </div>
    </main>
  );
}

const hasAudio = (stream: MediaStream | null) => (stream?.getAudioTracks().length ?? 0) > 0;
const hasVideo = (stream: MediaStream | null) => (stream?.getVideoTracks().length ?? 0) > 0;
