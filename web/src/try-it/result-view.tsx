// Shows a pipeline's answer in the view its output kind calls for (see classify-output.ts), with
// the raw JSON on its own tab, the latency (browser round trip and the server's Server-Timing) and
// the model commit that answered.
import { useEffect, useId, useState } from 'react';
import { useI18n } from '../i18n.js';
import { SpeechPlayer, VadTimeline } from './audio-views.js';
import { classifyOutput, type Rendered } from './classify-output.js';
import { FaceResults } from './face-details.js';
import { ImageOverlay } from './image-overlay.js';
import { MaskOverlay } from './mask-overlay.js';
import type { ModelAnswer } from './run-model.js';
import { ScoreBars } from './score-bars.js';
import { EntitySpans, WordTokens } from './token-views.js';
import { useTryItStrings } from './try-it-strings.js';

/** What was sent, for views that draw over it: the image or audio (a file or a URL) and the text. */
export interface SentInput {
  image?: Blob | string | undefined;
  audio?: Blob | string | undefined;
  text?: string | undefined;
}

/** A URL for a file (revoked when it changes or the view goes) or the URL given. */
function useSourceUrl(source: Blob | string | undefined): string | undefined {
  const [url, setUrl] = useState<string | undefined>(typeof source === 'string' ? source : undefined);
  useEffect(() => {
    if (source === undefined || typeof source === 'string') {
      setUrl(source);
      return;
    }
    const objectUrl = URL.createObjectURL(source);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [source]);
  return url;
}

function Rendering({ rendered, imageSrc, audioSrc, text }: { rendered: Rendered; imageSrc: string | undefined; audioSrc: string | undefined; text: string | undefined }) {
  const { t } = useI18n();
  const s = useTryItStrings();
  switch (rendered.kind) {
    case 'labels':
      return <ScoreBars labels={rendered.labels} languages={rendered.languages} />;
    case 'detections':
      return (
        <>
          {imageSrc && <ImageOverlay src={imageSrc} shapes={rendered.shapes} label={rendered.shapes.map((shape) => shape.label).join(', ')} />}
          <ScoreBars labels={rendered.labels} />
        </>
      );
    case 'faces':
      return <FaceResults faces={rendered.faces} imageSrc={imageSrc} />;
    case 'ocr':
      return (
        <>
          {imageSrc && <ImageOverlay src={imageSrc} shapes={rendered.shapes} label={rendered.lines.map((line) => line.text).join(' ')} />}
          <h3>{t.recognisedText}</h3>
          {rendered.lines.length === 0 && <p className="muted">{s.noResults}</p>}
          <ol className="try-ocr-lines" data-testid="ocr-lines">
            {rendered.lines.map((line, index) => (
              <li key={index}>
                <span lang="zh">{line.text}</span> <span className="muted">{line.score.toFixed(2)}</span>
              </li>
            ))}
          </ol>
        </>
      );
    case 'masks':
      return imageSrc ? <MaskOverlay src={imageSrc} segments={rendered.segments} /> : <ScoreBars labels={rendered.segments.map((segment) => ({ label: segment.label, score: segment.score ?? 1 }))} />;
    case 'words':
      return <WordTokens tokens={rendered.tokens} keywords={rendered.keywords} />;
    case 'entities':
      return <EntitySpans entities={rendered.entities} text={text} />;
    case 'segments':
      return <VadTimeline segments={rendered.segments} ratio={rendered.ratio} audioSrc={audioSrc} />;
    case 'speech':
      return <SpeechPlayer src={rendered.src} samplingRate={rendered.samplingRate} />;
    case 'similarity':
      return <ScoreBars labels={rendered.scores.map((score, index) => ({ label: `#${index + 1}`, score }))} />;
    case 'vector':
      return <p className="muted">{s.embedding(rendered.dimensions)}</p>;
    case 'text':
      return (
        <div data-testid="text-output">
          <p className="try-text-output">{rendered.text}</p>
          {rendered.chunks.length > 0 && (
            <ol className="try-segment-list">
              {rendered.chunks.map((chunk, index) => (
                <li key={index}>
                  <span className="muted">
                    {chunk.timestamp[0].toFixed(2)}–{chunk.timestamp[1].toFixed(2)} s
                  </span>{' '}
                  {chunk.text}
                </li>
              ))}
            </ol>
          )}
        </div>
      );
    default:
      return null;
  }
}

/** The raw JSON, with long base64 (audio, masks) cut short so the page stays light. */
function rawJson(output: unknown): string {
  return JSON.stringify(output, (key, value: unknown) => ((key === 'audio' || key === 'mask') && typeof value === 'string' && value.length > 200 ? `${value.slice(0, 80)}… (${value.length} chars)` : value), 2);
}

export function ResultView({ answer, sent }: { answer: ModelAnswer; sent: SentInput }) {
  const { t } = useI18n();
  const s = useTryItStrings();
  const ids = useId();
  const rendered = classifyOutput(answer.output, answer.task);
  const [tab, setTab] = useState<'rendered' | 'json'>(rendered.kind === 'none' ? 'json' : 'rendered');
  const imageSrc = useSourceUrl(sent.image);
  const audioSrc = useSourceUrl(sent.audio);
  const tabs = [...(rendered.kind === 'none' ? [] : (['rendered'] as const)), 'json' as const];
  return (
    <section className="result try-result" aria-labelledby={`${ids}-heading`} data-testid="result" data-kind={rendered.kind}>
      <div className="result-head">
        <h2 id={`${ids}-heading`} tabIndex={-1}>
          {t.result}
        </h2>
        <span className="muted" data-testid="latency" title={s.browserTime}>
          {t.latency}: {Math.round(answer.latencyMs)} ms
        </span>
        {answer.serverTimings.map((timing) => (
          <span key={timing.name} className="muted" data-testid="server-timing">
            {s.serverTime} ({timing.name}): {timing.ms.toFixed(1)} ms
          </span>
        ))}
        <span className="muted" data-testid="revision" title={answer.revision}>
          {t.revision}: <code>{answer.revision.slice(0, 10)}</code>
        </span>
      </div>
      <div role="tablist" className="tabs small" aria-label={t.result}>
        {tabs.map((key) => (
          <button key={key} type="button" role="tab" id={`${ids}-tab-${key}`} aria-selected={tab === key} aria-controls={`${ids}-panel`} onClick={() => setTab(key)}>
            {key === 'rendered' ? t.rendered : t.rawJson}
          </button>
        ))}
      </div>
      <div id={`${ids}-panel`} role="tabpanel" aria-labelledby={`${ids}-tab-${tab}`}>
        {tab === 'rendered' ? (
          <Rendering rendered={rendered} imageSrc={imageSrc} audioSrc={audioSrc} text={sent.text} />
        ) : (
          <pre className="json" data-testid="raw-json">
            {rawJson(answer.output)}
          </pre>
        )}
      </div>
    </section>
  );
}
