import { useEffect, useRef } from 'react';

/** A <video> bound to a MediaStream; `muted` for one's own preview (no echo). */
export function StreamVideo({ stream, muted, mirrored, label }: { stream: MediaStream | null; muted: boolean; mirrored?: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    if (!stream) return;
    video.play().catch(() => {
      // Autoplay with sound refused (no user gesture yet): play silently rather than not at all.
      video.muted = true;
      void video.play().catch(() => undefined);
    });
  }, [stream]);
  return <video ref={ref} className={mirrored ? 'mirrored' : undefined} autoPlay playsInline muted={muted} aria-label={label} />;
}
