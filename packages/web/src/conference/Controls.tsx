import { useAppDispatch, useAppSelector } from '../app/hooks.js';
import { chatPanelToggled, selectChatOpen, selectUnread } from '../features/chat/chatSlice.js';
import { selectMe } from '../features/control/controlSlice.js';
import { selectLocalMedia } from '../features/media/mediaSlice.js';
import { useT } from '../i18n/useT.js';
import { useSession } from './sessionContext.js';

export type Panel = 'participants' | 'chat' | null;

/** The meeting's control bar; every control is a real button with an accessible name. */
export function Controls({ panel, onPanel }: { panel: Panel; onPanel: (panel: Panel) => void }) {
  const t = useT();
  const dispatch = useAppDispatch();
  const session = useSession();
  const local = useAppSelector(selectLocalMedia);
  const me = useAppSelector(selectMe);
  const unread = useAppSelector(selectUnread);
  const chatOpen = useAppSelector(selectChatOpen);
  const hasAudio = (session.media.cameraStream()?.getAudioTracks().length ?? 0) > 0;
  const hasVideo = (session.media.cameraStream()?.getVideoTracks().length ?? 0) > 0;
  // Browsers offer media devices only on secure pages (HTTPS or localhost).
  const screenSupported = 'mediaDevices' in navigator && typeof navigator.mediaDevices.getDisplayMedia === 'function';

  const toggle = (next: Panel) => {
    const chosen = panel === next ? null : next;
    onPanel(chosen);
    if (chosen === 'chat' || chatOpen) dispatch(chatPanelToggled(chosen === 'chat'));
  };

  return (
    <nav className="controls" aria-label="controls">
      <button type="button" aria-pressed={!local.audio} disabled={!hasAudio} onClick={() => session.setMicrophone(!local.audio)}>
        {local.audio ? t('micOn') : t('micOff')}
      </button>
      <button type="button" aria-pressed={!local.video} disabled={!hasVideo} onClick={() => session.setCamera(!local.video)}>
        {local.video ? t('camOn') : t('camOff')}
      </button>
      {screenSupported && (
        <button
          type="button"
          aria-pressed={local.screen}
          onClick={() => (local.screen ? session.stopScreenShare() : void session.startScreenShare().catch(() => undefined))}
        >
          {local.screen ? t('stopShare') : t('shareScreen')}
        </button>
      )}
      <button
        type="button"
        aria-pressed={me?.handRaised === true}
        onClick={() => session.send('control', { action: me?.handRaised ? 'lower_hand' : 'raise_hand' })}
      >
        {me?.handRaised ? t('lowerHand') : t('raiseHand')}
      </button>
      <button type="button" aria-pressed={panel === 'participants'} onClick={() => toggle('participants')}>
        {t('participants')}
      </button>
      <button type="button" aria-pressed={panel === 'chat'} onClick={() => toggle('chat')}>
        {t('chat')}
        {unread > 0 && (
          <span className="unread" aria-label={t('unread', { count: unread })}>
            {unread}
          </span>
        )}
      </button>
      {me?.role === 'moderator' && (
        <button type="button" className="danger" onClick={() => session.send('moderation', { action: 'end_meeting' })}>
          {t('endForAll')}
        </button>
      )}
      <button type="button" className="danger" onClick={() => session.leave()}>
        {t('leave')}
      </button>
    </nav>
  );
}
