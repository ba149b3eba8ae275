import { useState } from 'react';
import { useVerifyInviteQuery } from '../api/plenumApi.js';
import { useT } from '../i18n/useT.js';
import { Lobby, type JoinChoice } from './Lobby.js';
import { Meeting } from './Meeting.js';
import type { Entry } from './ticket.js';

/** `/invite/{code}`: anyone with the link joins as a guest, no account needed. */
export function GuestPage({ code }: { code: string }) {
  const t = useT();
  const invite = useVerifyInviteQuery(code);
  const [join, setJoin] = useState<{ entry: Entry; choice: JoinChoice } | null>(null);
  const [attempt, setAttempt] = useState(0);

  if (invite.isError) {
    const reason = invite.error.message ?? '';
    return (
      <main className="centered">
        <p role="alert">{t('inviteInvalid', { reason })}</p>
      </main>
    );
  }
  if (!invite.data) return <main className="centered">{t('loading')}</main>;
  const { roomId, roomName, passwordRequired } = invite.data;

  if (join) return <Meeting key={attempt} entry={join.entry} choice={join.choice} onRejoin={() => setJoin(null)} />;
  return (
    <Lobby
      key={attempt}
      roomName={roomName}
      defaultName=""
      askPassword={passwordRequired}
      error={null}
      onJoin={(choice) => {
        setAttempt(attempt + 1);
        setJoin({
          entry: { kind: 'guest', roomId, inviteCode: code, displayName: choice.displayName, ...(choice.password ? { password: choice.password } : {}) },
          choice,
        });
      }}
    />
  );
}
