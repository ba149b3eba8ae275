import type { MediaState } from '@plenum/protocol';
import { useT } from '../../i18n/useT.js';
import type { LinkStats } from './quality.js';
import { StreamVideo } from './StreamVideo.js';

export interface TileProps {
  participantId: string;
  kind: 'camera' | 'screen';
  name: string;
  stream: MediaStream | null;
  self: boolean;
  state: MediaState | null;
  speaking: boolean;
  handRaised: boolean;
  stats: LinkStats | null;
  large?: boolean;
}

/** One participant's camera or screen, with name, media state and connection quality. */
export function VideoTile(props: TileProps) {
  const t = useT();
  const { state, stats } = props;
  const videoOn = props.kind === 'screen' || (state?.video ?? true);
  const label = props.kind === 'screen' ? t('screenOf', { name: props.name }) : props.self ? t('you', { name: props.name }) : props.name;
  const classes = ['tile', props.kind, props.speaking ? 'speaking' : '', props.large ? 'large' : ''].filter(Boolean).join(' ');
  return (
    <figure
      className={classes}
      data-participant={props.participantId}
      data-kind={props.kind}
      data-self={props.self || undefined}
      data-frames-decoded={stats?.framesDecoded}
      data-audio-packets={stats?.audioPackets}
      aria-label={label}
    >
      {props.stream && videoOn ? (
        <StreamVideo stream={props.stream} muted={props.self} mirrored={props.self && props.kind === 'camera'} label={label} />
      ) : (
        <div className="avatar" aria-hidden="true">
          {props.name.slice(0, 1).toUpperCase()}
        </div>
      )}
      {/* Audio plays even while the video is off. */}
      {props.stream && !videoOn && !props.self && <AudioOnly stream={props.stream} />}
      <figcaption>
        <span className="tile-name">{label}</span>
        {props.handRaised && <span title={t('handRaised')} aria-label={t('handRaised')} className="badge">✋</span>}
        {state && !state.audio && <span className="badge" title={t('audioMuted')} aria-label={state.forceMuted ? t('mutedByModerator') : t('audioMuted')}>🔇</span>}
        {props.speaking && <span className="visually-hidden">{t('speaking')}</span>}
        {!props.self && props.kind === 'camera' && (
          <span className={`quality ${stats?.level ?? 'unknown'}`} title={qualityTitle(t, stats)} aria-label={qualityTitle(t, stats)} />
        )}
      </figcaption>
    </figure>
  );
}

function qualityTitle(t: ReturnType<typeof useT>, stats: LinkStats | null): string {
  const level = stats?.level ?? 'unknown';
  const word = t(level === 'good' ? 'qualityGood' : level === 'fair' ? 'qualityFair' : level === 'poor' ? 'qualityPoor' : 'qualityUnknown');
  const detail = stats && level !== 'unknown' ? ` (${Math.round(stats.framesPerSecond)} fps, ${stats.lossPercent.toFixed(1)} %)` : '';
  return t('quality', { quality: word }) + detail;
}

function AudioOnly({ stream }: { stream: MediaStream }) {
  return (
    <audio
      autoPlay
      ref={(audio) => {
        if (audio && audio.srcObject !== stream) audio.srcObject = stream;
      }}
    />
  );
}
