import { useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../conference/sessionContext.js';
import { useT } from '../../i18n/useT.js';
import { selectWaitingList, selectWaitingRoomEnabled } from './moderationSlice.js';

/** Moderators: the waiting room switch and who waits, with admit and deny. */
export function WaitingList() {
  const t = useT();
  const session = useSession();
  const enabled = useAppSelector(selectWaitingRoomEnabled);
  const waiting = useAppSelector(selectWaitingList);
  return (
    <div className="waiting-list">
      <label className="check">
        <input
          type="checkbox"
          checked={enabled}
          onChange={(e) => session.send('moderation', { action: e.target.checked ? 'enable_waiting_room' : 'disable_waiting_room' })}
        />
        {enabled ? t('waitingRoomOn') : t('waitingRoomOff')}
      </label>
      {waiting.length > 0 && (
        <>
          <h3>{t('waitingList')}</h3>
          <ul>
            {waiting.map((p) => (
              <li key={p.id} data-waiting={p.id}>
                <span className="participant-name">{p.displayName}</span>
                <button type="button" className="primary" onClick={() => session.send('moderation', { action: 'accept', target: p.id })} aria-label={`${t('admit')}: ${p.displayName}`}>
                  {t('admit')}
                </button>
                <button type="button" onClick={() => session.send('moderation', { action: 'deny', target: p.id })} aria-label={`${t('deny')}: ${p.displayName}`}>
                  {t('deny')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
