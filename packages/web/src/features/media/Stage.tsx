import { useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../conference/sessionContext.js';
import { participantSelectors, selectMe, selectParticipantState } from '../control/controlSlice.js';
import { selectActiveSpeaker, selectLayout, selectLocalMedia, selectMediaStates, selectQuality, selectSpeaking } from './mediaSlice.js';
import { useEngineVersion } from './useEngineVersion.js';
import { VideoTile, type TileProps } from './VideoTile.js';

/** The tiles: grid view, or speaker view with the active speaker (or a shared screen) large. */
export function Stage() {
  const session = useSession();
  const engine = session.media;
  useEngineVersion(engine);
  const me = useAppSelector(selectMe);
  const participants = participantSelectors.selectAll(useAppSelector(selectParticipantState));
  const states = useAppSelector(selectMediaStates);
  const local = useAppSelector(selectLocalMedia);
  const speaking = useAppSelector(selectSpeaking);
  const activeSpeaker = useAppSelector(selectActiveSpeaker);
  const quality = useAppSelector(selectQuality);
  const layout = useAppSelector(selectLayout);
  if (!me) return null;

  const cameras: TileProps[] = [
    {
      participantId: me.id,
      kind: 'camera',
      name: me.displayName,
      stream: engine.cameraStream(),
      self: true,
      state: { audio: local.audio, video: local.video, screen: local.screen, forceMuted: local.forceMuted },
      speaking: speaking[me.id] === true,
      handRaised: me.handRaised,
      stats: null,
    },
    ...participants.map((p) => ({
      participantId: p.id,
      kind: 'camera' as const,
      name: p.displayName,
      stream: engine.remoteStream(p.id, 'camera'),
      self: false,
      state: states[p.id] ?? null,
      speaking: speaking[p.id] === true,
      handRaised: p.handRaised,
      stats: quality[p.id] ?? null,
    })),
  ];
  const screens: TileProps[] = [
    ...(local.screen ? [{ ...cameras[0], kind: 'screen' as const, stream: engine.screenStream(), speaking: false, handRaised: false } as TileProps] : []),
    ...participants
      .filter((p) => states[p.id]?.screen === true)
      .map((p) => ({
        participantId: p.id,
        kind: 'screen' as const,
        name: p.displayName,
        stream: engine.remoteStream(p.id, 'screen'),
        self: false,
        state: null,
        speaking: false,
        handRaised: false,
        stats: null,
      })),
  ];

  // A shared screen always takes the large place; otherwise the layout the user chose.
  const focus = screens[0] ?? (layout === 'speaker' ? focusOf(cameras, activeSpeaker) : undefined);
  if (!focus) {
    return (
      <div className={`stage grid count-${Math.min(cameras.length, 9)}`} data-layout="grid">
        {cameras.map((tile) => (
          <VideoTile key={`${tile.participantId}/camera`} {...tile} />
        ))}
      </div>
    );
  }
  const others = [...screens, ...cameras].filter((tile) => tile !== focus);
  return (
    <div className="stage speaker" data-layout="speaker">
      <div className="focus">
        <VideoTile {...focus} large />
      </div>
      <div className="strip">
        {others.map((tile) => (
          <VideoTile key={`${tile.participantId}/${tile.kind}`} {...tile} />
        ))}
      </div>
    </div>
  );
}

/** The active speaker, else the first other participant, else me. */
function focusOf(cameras: TileProps[], activeSpeaker: string | null): TileProps | undefined {
  return cameras.find((tile) => tile.participantId === activeSpeaker && !tile.self) ?? cameras.find((tile) => !tile.self) ?? cameras[0];
}
