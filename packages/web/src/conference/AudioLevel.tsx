import { useEffect, useState } from 'react';
import { useT } from '../i18n/useT.js';

/** A live microphone level (0–100) from an analyser on the stream's audio track. */
export function AudioLevel({ stream }: { stream: MediaStream | null }) {
  const t = useT();
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0) return;
    const context = new AudioContext();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const rms = Math.sqrt(sum / samples.length);
      setLevel(Math.min(100, Math.round(rms * 300)));
    }, 100);
    void context.resume();
    return () => {
      clearInterval(timer);
      source.disconnect();
      void context.close();
    };
  }, [stream]);
  return (
    <meter className="audio-level" aria-label={t('audioLevel')} min={0} max={100} low={10} high={80} optimum={40} value={level} data-level={level} />
  );
}
