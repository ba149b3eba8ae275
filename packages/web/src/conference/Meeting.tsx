import { useEffect, useState } from 'react';
import { useStore } from 'react-redux';
import { conferenceReset } from '../app/conferenceActions.js';
import { useAppDispatch, useAppSelector } from '../app/hooks.js';
import { navigate } from '../app/router.js';
import type { RootState } from '../app/store.js';
import { selectControlError, selectEndReason, selectPhase, type EndReason } from '../features/control/controlSlice.js';
import { localMediaChanged } from '../features/media/mediaSlice.js';
import { useT } from '../i18n/useT.js';
import type { MessageKey } from '../i18n/messages.js';
import { Conference } from './Conference.js';
import type { JoinChoice } from './Lobby.js';
import { ConferenceSession } from './session.js';
import { SessionContext } from './sessionContext.js';
import type { Entry } from './ticket.js';

const endTexts: Record<EndReason, MessageKey> = {
  left: 'leftMeeting',
  kicked: 'kicked',
  banned: 'banned',
  meeting_ended: 'meetingEnded',
  denied: 'denied',
  replaced: 'replaced',
  token_expired: 'tokenExpired',
  failed: 'connectionFailed',
};

/** One meeting: starts the session for the lobby's choice and shows the screen for its phase. */
export function Meeting({ entry, choice, onRejoin }: { entry: Entry; choice: JoinChoice; onRejoin: () => void }) {
  const t = useT();
  const dispatch = useAppDispatch();
  const store = useStore<RootState>();
  const phase = useAppSelector(selectPhase);
  const [session, setSession] = useState<ConferenceSession | null>(null);

  useEffect(() => {
    const created = new ConferenceSession(dispatch, () => store.getState(), entry);
    dispatch(localMediaChanged({ audio: choice.audio, video: choice.video, screen: false, forceMuted: false }));
    created.media.setTrackEnabled('audio', choice.audio);
    created.media.setTrackEnabled('video', choice.video);
    setSession(created);
    void created.start(choice.stream);
    return () => {
      created.stop();
      dispatch(conferenceReset());
    };
  }, [dispatch, store, entry, choice]);

  if (!session) return null;
  return (
    <SessionContext.Provider value={session}>
      {(phase === 'idle' || phase === 'connecting') && (
        <main className="centered">
          <p role="status">{t('joining')}</p>
        </main>
      )}
      {phase === 'waiting' && (
        <main className="centered waiting-room">
          <h1>{t('waitingTitle')}</h1>
          <p role="status">{t('waitingText')}</p>
          <button type="button" onClick={() => session.leave()}>
            {t('leave')}
          </button>
        </main>
      )}
      {(phase === 'joined' || phase === 'reconnecting') && <Conference />}
      {phase === 'ended' && <EndScreen texts={endTexts} onRejoin={onRejoin} />}
    </SessionContext.Provider>
  );
}

function EndScreen({ texts, onRejoin }: { texts: Record<EndReason, MessageKey>; onRejoin: () => void }) {
  const t = useT();
  const reason = useAppSelector(selectEndReason) ?? 'left';
  const error = useAppSelector(selectControlError);
  const canRejoin = reason !== 'banned';
  return (
    <main className="centered end-screen">
      <p role="alert" data-end-reason={reason}>
        {t(texts[reason], { reason: error ?? '' })}
      </p>
      <div className="form-actions">
        {canRejoin && (
          <button type="button" className="primary" onClick={onRejoin}>
            {t('rejoin')}
          </button>
        )}
        <button type="button" onClick={() => navigate('/')}>
          {t('backHome')}
        </button>
      </div>
    </main>
  );
}
