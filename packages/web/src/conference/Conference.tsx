import { useState } from 'react';
import { useAppDispatch, useAppSelector } from '../app/hooks.js';
import { ChatPanel } from '../features/chat/ChatPanel.js';
import { ParticipantsPanel } from '../features/control/ParticipantsPanel.js';
import { NoticeBanner } from '../features/control/NoticeBanner.js';
import { selectPhase, selectRoom } from '../features/control/controlSlice.js';
import { layoutChosen, selectBridgeStatus, selectLayout } from '../features/media/mediaSlice.js';
import { Stage } from '../features/media/Stage.js';
import { useT } from '../i18n/useT.js';
import { Controls, type Panel } from './Controls.js';

export function Conference() {
  const t = useT();
  const dispatch = useAppDispatch();
  const room = useAppSelector(selectRoom);
  const phase = useAppSelector(selectPhase);
  const bridge = useAppSelector(selectBridgeStatus);
  const layout = useAppSelector(selectLayout);
  const [panel, setPanel] = useState<Panel>(null);

  return (
    <main className="conference">
      <div className="conference-bar">
        <h1 className="room-title">{room?.name}</h1>
        <div className="layout-switch" role="group">
          <button type="button" aria-pressed={layout === 'grid'} onClick={() => dispatch(layoutChosen('grid'))}>
            {t('gridView')}
          </button>
          <button type="button" aria-pressed={layout === 'speaker'} onClick={() => dispatch(layoutChosen('speaker'))}>
            {t('speakerView')}
          </button>
        </div>
      </div>
      {phase === 'reconnecting' && (
        <p className="banner warning" role="status" data-state="reconnecting">
          {t('reconnecting')}
        </p>
      )}
      {bridge === 'resetting' && (
        <p className="banner warning" role="status" data-state="bridge-resetting">
          {t('bridgeLost')}
        </p>
      )}
      <NoticeBanner />
      <div className="conference-main">
        <Stage />
        {panel === 'participants' && <ParticipantsPanel />}
        {panel === 'chat' && <ChatPanel />}
      </div>
      <Controls panel={panel} onPanel={setPanel} />
    </main>
  );
}
