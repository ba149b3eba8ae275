import { VideoCodec, type Room } from '@plenum/protocol';
import { useState, type SyntheticEvent } from 'react';
import { useT } from '../i18n/useT.js';

export interface RoomFormValues {
  name: string;
  /** Empty: no password (new room) or unchanged (edit). */
  password: string;
  removePassword: boolean;
  waitingRoom: boolean;
  videoCodec: VideoCodec;
}

/** Create or edit a room; `room` set means edit. */
export function RoomForm(props: { room?: Room; busy: boolean; onSubmit: (values: RoomFormValues) => void; onCancel?: () => void }) {
  const t = useT();
  const { room } = props;
  const [name, setName] = useState(room?.name ?? '');
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [waitingRoom, setWaitingRoom] = useState(room?.waitingRoom ?? false);
  const [videoCodec, setVideoCodec] = useState<VideoCodec>(room?.videoCodec ?? 'vp8');
  const prefix = room ? `edit-${room.id}` : 'new-room';

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    props.onSubmit({ name: name.trim(), password, removePassword, waitingRoom, videoCodec });
    if (!room) {
      setName('');
      setPassword('');
    }
  };

  return (
    <form className="room-form" onSubmit={submit} aria-label={room ? t('editRoom') : t('createRoom')}>
      <label htmlFor={`${prefix}-name`}>{t('roomName')}</label>
      <input id={`${prefix}-name`} value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} />
      <label htmlFor={`${prefix}-password`}>{room ? t('roomPasswordKeep') : t('roomPassword')}</label>
      <input
        id={`${prefix}-password`}
        type="password"
        autoComplete="new-password"
        value={password}
        maxLength={128}
        disabled={removePassword}
        onChange={(e) => setPassword(e.target.value)}
      />
      {room?.hasPassword === true && (
        <label className="check">
          <input type="checkbox" checked={removePassword} onChange={(e) => setRemovePassword(e.target.checked)} />
          {t('removePassword')}
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={waitingRoom} onChange={(e) => setWaitingRoom(e.target.checked)} />
        {t('waitingRoom')}
      </label>
      <label htmlFor={`${prefix}-codec`}>{t('videoCodec')}</label>
      <select id={`${prefix}-codec`} value={videoCodec} onChange={(e) => setVideoCodec(VideoCodec.parse(e.target.value))}>
        {VideoCodec.options.map((codec) => (
          <option key={codec} value={codec}>
            {codec.toUpperCase()}
          </option>
        ))}
      </select>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={props.busy || name.trim() === ''}>
          {room ? t('save') : t('createRoom')}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            {t('cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
