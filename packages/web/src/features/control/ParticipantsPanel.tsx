import type { Role } from '@plenum/protocol';
import { useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../conference/sessionContext.js';
import { useT } from '../../i18n/useT.js';
import type { MessageKey } from '../../i18n/messages.js';
import { selectMediaStates } from '../media/mediaSlice.js';
import { WaitingList } from '../moderation/WaitingList.js';
import { participantSelectors, selectMe, selectParticipantState, type ParticipantView } from './controlSlice.js';

export const roleText: Record<Role, MessageKey> = { moderator: 'roleModerator', user: 'roleUser', guest: 'roleGuest' };

export function ParticipantsPanel() {
  const t = useT();
  const me = useAppSelector(selectMe);
  const participants = participantSelectors.selectAll(useAppSelector(selectParticipantState));
  if (!me) return null;
  const moderator = me.role === 'moderator';
  return (
    <section className="panel participants-panel" aria-label={t('participants')}>
      {moderator && <WaitingList />}
      <ul>
        <ParticipantRow participant={me} self moderator={false} />
        {participants.map((p) => (
          <ParticipantRow key={p.id} participant={p} self={false} moderator={moderator} />
        ))}
      </ul>
    </section>
  );
}

function ParticipantRow({ participant, self, moderator }: { participant: ParticipantView; self: boolean; moderator: boolean }) {
  const t = useT();
  const session = useSession();
  const state = useAppSelector(selectMediaStates)[participant.id];
  const target = participant.id;
  return (
    <li className="participant" data-participant={participant.id}>
      <span className="participant-name">{self ? t('you', { name: participant.displayName }) : participant.displayName}</span>
      <span className="participant-meta">
        {t(roleText[participant.role])}
        {participant.handRaised && <span aria-label={t('handRaised')}> ✋</span>}
        {state && !state.audio && <span aria-label={state.forceMuted ? t('mutedByModerator') : t('audioMuted')}> 🔇</span>}
        {state && !state.video && <span aria-label={t('videoOff')}> 📷̸</span>}
      </span>
      {moderator && !self && (
        <span className="participant-actions">
          <button type="button" disabled={state?.audio === false} onClick={() => session.send('media', { action: 'mute', targets: [target] })} aria-label={`${t('mute')}: ${participant.displayName}`}>
            {t('mute')}
          </button>
          {participant.role === 'moderator' ? (
            <button type="button" onClick={() => session.send('control', { action: 'revoke_moderator', target })} aria-label={`${t('revokeModerator')}: ${participant.displayName}`}>
              {t('revokeModerator')}
            </button>
          ) : (
            <button type="button" onClick={() => session.send('control', { action: 'grant_moderator', target })} aria-label={`${t('makeModerator')}: ${participant.displayName}`}>
              {t('makeModerator')}
            </button>
          )}
          <button type="button" className="danger" onClick={() => session.send('moderation', { action: 'kick', target })} aria-label={`${t('kick')}: ${participant.displayName}`}>
            {t('kick')}
          </button>
          <button type="button" className="danger" onClick={() => session.send('moderation', { action: 'ban', target })} aria-label={`${t('ban')}: ${participant.displayName}`}>
            {t('ban')}
          </button>
        </span>
      )}
    </li>
  );
}
