// Audio for the Try-it form: a file (converted to 16 kHz mono WAV in the browser unless it is a WAV
// already) or a microphone recording, with a record/stop button, a level meter and a timer, and a
// player to hear what will be sent.
import { useEffect, useRef, useState } from 'react';
import { microphoneAvailable, prepareAudioFile, startRecording, type Recording } from './audio-capture.js';
import type { MediaValue } from './form-values.js';
import { useTryItStrings } from './try-it-strings.js';

// A recording past this is stopped: 10 minutes of 16 kHz 16-bit audio is about 19 MB, under the server's 32 MiB body limit.
const MAX_RECORDING_SECONDS = 600;

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function AudioInput({ id, label, value, onChange }: { id: string; label: string; value: MediaValue | null; onChange: (value: MediaValue | null) => void }) {
  const s = useTryItStrings();
  const [recording, setRecording] = useState<Recording | null>(null);
  const [level, setLevel] = useState({ db: -100, seconds: 0 });
  const [problem, setProblem] = useState<string | null>(null);
  const [playerUrl, setPlayerUrl] = useState<string | null>(null);
  const recordingRef = useRef<Recording | null>(null);
  const file = value && 'file' in value ? value : null;

  useEffect(() => {
    if (!file) {
      setPlayerUrl(null);
      return;
    }
    const url = URL.createObjectURL(file.file);
    setPlayerUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [file?.file]);

  // Leaving the page mid-recording releases the microphone.
  useEffect(() => () => recordingRef.current?.cancel(), []);

  const stop = async () => {
    const current = recordingRef.current;
    if (!current) return;
    recordingRef.current = null;
    setRecording(null);
    try {
      const audio = await current.stop();
      onChange({ file: audio.blob, name: 'recording.wav', seconds: audio.seconds, converted: true });
    } catch (error) {
      setProblem(s.micDenied + errorText(error));
    }
  };

  const record = async () => {
    setProblem(null);
    try {
      const started = await startRecording((db, seconds) => {
        setLevel({ db, seconds });
        if (seconds >= MAX_RECORDING_SECONDS) void stop();
      });
      recordingRef.current = started;
      setLevel({ db: -100, seconds: 0 });
      setRecording(started);
    } catch (error) {
      setProblem(s.micDenied + errorText(error));
    }
  };

  const choose = async (chosen: File | undefined) => {
    setProblem(null);
    if (!chosen) return;
    try {
      const audio = await prepareAudioFile(chosen);
      onChange({ file: audio.blob, name: chosen.name, seconds: audio.seconds, converted: audio.converted });
    } catch (error) {
      // Sent as it is: the server then names what is wrong with it.
      setProblem(s.audioDecodeFailed + errorText(error));
      onChange({ file: chosen, name: chosen.name });
    }
  };

  // -60 dBFS and below shows empty; 0 dBFS full.
  const meter = Math.max(0, Math.min(1, (level.db + 60) / 60));
  const canRecord = microphoneAvailable();
  return (
    <fieldset className="try-media">
      <legend>{label}</legend>
      <label htmlFor={id} className="try-sub-label">
        {s.audioFile}
      </label>
      <input
        id={id}
        type="file"
        accept="audio/*,.wav"
        disabled={recording !== null}
        onChange={(event) => {
          void choose(event.target.files?.[0]);
          event.target.value = '';
        }}
      />
      <div className="try-recorder">
        {recording ? (
          <button type="button" className="button danger" onClick={() => void stop()} data-testid="stop-recording">
            ■ {s.stopRecording}
          </button>
        ) : (
          <button type="button" className="button secondary" onClick={() => void record()} disabled={!canRecord} data-testid="record">
            ● {s.record}
          </button>
        )}
        {recording && (
          <>
            <span className="try-timer" role="timer" aria-live="off" data-testid="recording-time">
              {s.recording} {level.seconds.toFixed(1)} s
            </span>
            <span className="try-level" role="meter" aria-label={s.micLevel} aria-valuemin={-60} aria-valuemax={0} aria-valuenow={Math.round(Math.max(-60, level.db))}>
              <span style={{ width: `${meter * 100}%` }} />
            </span>
          </>
        )}
      </div>
      {!canRecord && <p className="muted">{s.micUnavailable}</p>}
      {problem && (
        <p className="try-warning" role="alert">
          {problem}
        </p>
      )}
      {file && playerUrl && (
        <div className="try-preview">
          <audio controls src={playerUrl} aria-label={file.name} data-testid="input-audio" />
          <span className="muted">
            {file.name}
            {file.converted && file.seconds !== undefined && ` · ${file.name === 'recording.wav' ? s.recorded(file.seconds.toFixed(1)) : s.converted(file.seconds.toFixed(1))}`}
          </span>
          <button type="button" className="link-button" onClick={() => onChange(null)}>
            {s.removeFile}
          </button>
        </div>
      )}
    </fieldset>
  );
}
