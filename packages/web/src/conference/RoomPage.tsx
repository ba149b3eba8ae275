import { useState } from 'react';
import { useGetRoomQuery } from '../api/plenumApi.js';
import { useAppSelector } from '../app/hooks.js';
import { selectAuthStatus, selectMyName } from '../auth/authSlice.js';
import { signIn } from '../auth/signIn.js';
import { useT } from '../i18n/useT.js';
import { Lobby, type JoinChoice } from './Lobby.js';
import { Meeting } from './Meeting.js';
import type { Entry } from './ticket.js';

/** `/room/{id}` for signed-in users: lobby, then the meeting. */
export function RoomPage({ roomId }: { roomId: string }) {
  const t = useT();
  const status = useAppSelector(selectAuthStatus);
  const myName = useAppSelector(selectMyName);
  const room = useGetRoomQuery(roomId, { skip: status !== 'signedIn' });
  const [join, setJoin] = useState<{ entry: Entry; choice: JoinChoice } | null>(null);
  const [attempt, setAttempt] = useState(0);

  if (status !== 'signedIn') {
    return (
      <main className="centered">
        <button type="button" className="primary" onClick={() => void signIn()}>
          {t('signIn')}
        </button>
      </main>
    );
  }
  if (room.isError) {
    return (
      <main className="centered">
        <p role="alert">{t('roomNotFound')}</p>
      </main>
    );
  }
  if (!room.data) return <main className="centered">{t('loading')}</main>;

  if (join) return <Meeting key={attempt} entry={join.entry} choice={join.choice} onRejoin={() => setJoin(null)} />;
  return (
    <Lobby
      key={attempt}
      roomName={room.data.name}
      defaultName={myName ?? ''}
      askPassword={room.data.hasPassword}
      error={null}
      onJoin={(choice) => {
        setAttempt(attempt + 1);
        setJoin({
          entry: { kind: 'user', roomId, displayName: choice.displayName, ...(choice.password ? { password: choice.password } : {}) },
          choice,
        });
      }}
    />
  );
}
