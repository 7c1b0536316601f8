// Audio results: synthesised speech in a player (with its length and a download), and speech
// segments on a timeline over the whole input clip, beside a player of that clip whose position
// the timeline follows; each segment plays from its start when chosen.
import { useRef, useState } from 'react';
import { colorFor } from './palette.js';
import { useTryItStrings } from './try-it-strings.js';

export function SpeechPlayer({ src, samplingRate }: { src: string; samplingRate: number | undefined }) {
  const s = useTryItStrings();
  const [duration, setDuration] = useState<number | null>(null);
  return (
    <div className="try-speech" data-testid="speech">
      <audio controls src={src} data-testid="audio" onLoadedMetadata={(event) => setDuration(event.currentTarget.duration)} />
      <p className="muted">
        {duration !== null && Number.isFinite(duration) && (
          <span data-testid="speech-duration">
            {s.duration}: {duration.toFixed(2)} s
          </span>
        )}
        {samplingRate !== undefined && (
          <span>
            {' · '}
            {s.sampleRate}: {samplingRate} Hz
          </span>
        )}
        {' · '}
        <a href={src} download="speech.wav">
          {s.downloadWav}
        </a>
      </p>
    </div>
  );
}

export function VadTimeline({ segments, ratio, audioSrc }: { segments: { start: number; end: number }[]; ratio: number | undefined; audioSrc: string | undefined }) {
  const s = useTryItStrings();
  const audioRef = useRef<HTMLAudioElement>(null);
  const [duration, setDuration] = useState<number | null>(null);
  const [position, setPosition] = useState(0);
  // Without the clip's own length (no player), the last segment's end is the best scale there is.
  const total = Math.max(1e-6, duration ?? 0, ...segments.map((segment) => segment.end));
  const play = (start: number) => {
    const audio = audioRef.current;
    if (!audio) return;
    audio.currentTime = start;
    void audio.play().catch(() => undefined);
  };
  const ticks = Array.from({ length: 5 }, (_, index) => (total * index) / 4);
  const color = colorFor('speech');
  return (
    <div data-testid="segments" data-duration={duration ?? ''}>
      {audioSrc && (
        <audio
          ref={audioRef}
          controls
          src={audioSrc}
          data-testid="vad-audio"
          onLoadedMetadata={(event) => setDuration(Number.isFinite(event.currentTarget.duration) ? event.currentTarget.duration : null)}
          onTimeUpdate={(event) => setPosition(event.currentTarget.currentTime)}
        />
      )}
      <svg className="try-timeline" viewBox="0 0 1000 36" preserveAspectRatio="none" role="img" aria-label={`${s.speechSegments}: ${segments.length}`}>
        <rect x={0} y={6} width={1000} height={24} rx={4} fill="#eef0f3" />
        {segments.map((segment, index) => (
          <rect key={index} x={(segment.start / total) * 1000} y={6} width={Math.max(1, ((segment.end - segment.start) / total) * 1000)} height={24} rx={3} fill={color} data-testid="segment">
            <title>{`${segment.start.toFixed(2)}–${segment.end.toFixed(2)} s`}</title>
          </rect>
        ))}
        {audioSrc && <line x1={(position / total) * 1000} x2={(position / total) * 1000} y1={2} y2={34} stroke="#202124" strokeWidth={2} />}
      </svg>
      {/* Tick labels in HTML: text inside the stretched SVG would be squeezed with it. */}
      <div className="try-ticks" aria-hidden="true">
        {ticks.map((tick, index) => (
          <span key={index} style={{ left: `${(tick / total) * 100}%` }}>
            {tick.toFixed(1)} s
          </span>
        ))}
      </div>
      {segments.length === 0 ? (
        <p className="muted">{s.noSpeech}</p>
      ) : (
        <ol className="try-segment-list">
          {segments.map((segment, index) => (
            <li key={index}>
              {audioSrc ? (
                <button type="button" className="link-button" onClick={() => play(segment.start)}>
                  ▶ {segment.start.toFixed(2)} s – {segment.end.toFixed(2)} s
                </button>
              ) : (
                `${segment.start.toFixed(2)} s – ${segment.end.toFixed(2)} s`
              )}
            </li>
          ))}
        </ol>
      )}
      {ratio !== undefined && (
        <p className="muted">
          {s.speechSegments}: {segments.length} · {(ratio * 100).toFixed(0)}%
        </p>
      )}
    </div>
  );
}
