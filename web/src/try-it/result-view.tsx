// Shows a pipeline's output by its shape: score bars for labels, boxes and polygons drawn over the
// image (detection, faces, OCR), OCR text lines, word tokens inline, VAD segments on a timeline, an
// audio player for speech; and always the raw JSON on its own tab.
import { useEffect, useState } from 'react';
import type { PipelineAnswer } from '../api.js';
import { useI18n } from '../i18n.js';

interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  polygon?: [number, number][];
}
interface Shape {
  label: string;
  box: Box;
}

type Rendered =
  | { kind: 'labels'; labels: { label: string; score: number }[] }
  | { kind: 'boxes'; shapes: Shape[]; labels: { label: string; score: number }[] }
  | { kind: 'ocr'; shapes: Shape[]; lines: { text: string; score: number }[] }
  | { kind: 'tokens'; tokens: { word: string; tag?: string }[]; keywords: { word: string; weight: number }[] }
  | { kind: 'segments'; segments: { start: number; end: number }[]; ratio: number | undefined }
  | { kind: 'audio'; src: string }
  | { kind: 'text'; text: string }
  | { kind: 'none' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isBox = (value: unknown): value is Box => isObject(value) && typeof value.xmin === 'number' && typeof value.ymax === 'number';

export function classify(output: unknown): Rendered {
  if (Array.isArray(output) && output.every(isObject)) {
    const items = output as Record<string, unknown>[];
    const labelOf = (item: Record<string, unknown>) => String(item.label ?? item.entity_group ?? item.entity ?? item.word ?? '');
    const labels = items.filter((item) => typeof item.score === 'number').map((item) => ({ label: labelOf(item) || 'face', score: item.score as number }));
    if (items.some((item) => isBox(item.box))) {
      return { kind: 'boxes', shapes: items.filter((item) => isBox(item.box)).map((item) => ({ label: `${labelOf(item) || 'face'} ${Math.round(Number(item.score ?? 0) * 100)}%`, box: item.box as Box })), labels };
    }
    if (labels.length > 0) return { kind: 'labels', labels };
  }
  if (isObject(output)) {
    if (Array.isArray(output.lines) && typeof output.text === 'string') {
      const lines = (output.lines as Record<string, unknown>[]).filter(isObject);
      return {
        kind: 'ocr',
        shapes: lines.filter((line) => isBox(line.box)).map((line) => ({ label: String(line.text ?? ''), box: line.box as Box })),
        lines: lines.map((line) => ({ text: String(line.text ?? ''), score: Number(line.score ?? 0) })),
      };
    }
    if (Array.isArray(output.tokens)) {
      return {
        kind: 'tokens',
        tokens: (output.tokens as Record<string, unknown>[]).filter(isObject).map((token) => ({ word: String(token.word ?? ''), ...(typeof token.tag === 'string' && { tag: token.tag }) })),
        keywords: Array.isArray(output.keywords) ? (output.keywords as { word: string; weight: number }[]) : [],
      };
    }
    if (Array.isArray(output.segments)) {
      return { kind: 'segments', segments: output.segments as { start: number; end: number }[], ratio: typeof output.speech_ratio === 'number' ? output.speech_ratio : undefined };
    }
    if (typeof output.audio === 'string') return { kind: 'audio', src: output.audio.startsWith('data:') ? output.audio : `data:audio/wav;base64,${output.audio}` };
    if (typeof output.generated_text === 'string') return { kind: 'text', text: output.generated_text };
    if (typeof output.text === 'string') return { kind: 'text', text: output.text };
  }
  if (typeof output === 'string') return { kind: 'text', text: output };
  return { kind: 'none' };
}

function ScoreBars({ labels }: { labels: { label: string; score: number }[] }) {
  return (
    <ul className="score-bars" data-testid="labels">
      {labels.slice(0, 20).map((item, index) => (
        <li key={`${item.label}-${index}`}>
          <span className="score-label">{item.label}</span>
          <span className="bar" role="meter" aria-valuemin={0} aria-valuemax={1} aria-valuenow={item.score} aria-label={item.label}>
            <span style={{ width: `${Math.max(0, Math.min(1, item.score)) * 100}%` }} />
          </span>
          <span className="score-value">{item.score.toFixed(3)}</span>
        </li>
      ))}
    </ul>
  );
}

const COLORS = ['#d93025', '#1a73e8', '#188038', '#e37400', '#9334e6', '#007b83'];

function ImageOverlay({ image, shapes }: { image: File; shapes: Shape[] }) {
  const [url, setUrl] = useState<string | null>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useEffect(() => {
    const objectUrl = URL.createObjectURL(image);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [image]);
  if (!url) return null;
  const stroke = size ? Math.max(2, size.width / 300) : 2;
  const fontSize = size ? Math.max(12, size.width / 45) : 12;
  return (
    <figure className="overlay" data-testid="overlay">
      <img src={url} alt="" onLoad={(event) => setSize({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })} />
      {size && (
        <svg viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" aria-hidden="true">
          {shapes.map((shape, index) => {
            const color = COLORS[index % COLORS.length];
            const points = shape.box.polygon && shape.box.polygon.length >= 3 ? shape.box.polygon : [[shape.box.xmin, shape.box.ymin], [shape.box.xmax, shape.box.ymin], [shape.box.xmax, shape.box.ymax], [shape.box.xmin, shape.box.ymax]];
            return (
              <g key={index} data-testid="shape" data-label={shape.label}>
                <polygon points={points.map((point) => point.join(',')).join(' ')} fill="none" stroke={color} strokeWidth={stroke} />
                <text x={shape.box.xmin} y={Math.max(fontSize, shape.box.ymin - stroke * 2)} fill={color} fontSize={fontSize} stroke="#fff" strokeWidth={fontSize / 8} paintOrder="stroke">
                  {shape.label}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}

function Timeline({ segments, ratio }: { segments: { start: number; end: number }[]; ratio: number | undefined }) {
  const { t } = useI18n();
  const total = Math.max(1e-6, ...segments.map((segment) => segment.end));
  return (
    <div data-testid="segments">
      <div className="timeline" role="img" aria-label={t.speechSegments}>
        {segments.map((segment, index) => (
          <span key={index} style={{ left: `${(segment.start / total) * 100}%`, width: `${((segment.end - segment.start) / total) * 100}%` }} title={`${segment.start.toFixed(2)}–${segment.end.toFixed(2)} s`} />
        ))}
      </div>
      <ol className="segment-list">
        {segments.map((segment, index) => (
          <li key={index}>
            {segment.start.toFixed(2)} s – {segment.end.toFixed(2)} s
          </li>
        ))}
      </ol>
      {ratio !== undefined && (
        <p className="muted">
          {t.speechRatio}: {(ratio * 100).toFixed(0)}%
        </p>
      )}
    </div>
  );
}

function Rendering({ rendered, image }: { rendered: Rendered; image: File | null }) {
  const { t } = useI18n();
  switch (rendered.kind) {
    case 'labels':
      return <ScoreBars labels={rendered.labels} />;
    case 'boxes':
      return (
        <>
          {image && <ImageOverlay image={image} shapes={rendered.shapes} />}
          <ScoreBars labels={rendered.labels} />
        </>
      );
    case 'ocr':
      return (
        <>
          {image && <ImageOverlay image={image} shapes={rendered.shapes} />}
          <h3>{t.recognisedText}</h3>
          <ol className="ocr-lines" data-testid="ocr-lines">
            {rendered.lines.map((line, index) => (
              <li key={index}>
                <span lang="zh">{line.text}</span> <span className="muted">{line.score.toFixed(2)}</span>
              </li>
            ))}
          </ol>
        </>
      );
    case 'tokens':
      return (
        <div data-testid="tokens">
          <p className="tokens" lang="zh" aria-label={t.tokens}>
            {rendered.tokens.map((token, index) => (
              <span key={index} className="token">
                {token.word}
                {token.tag && <sub>{token.tag}</sub>}
              </span>
            ))}
          </p>
          {rendered.keywords.length > 0 && <ScoreBars labels={rendered.keywords.map((keyword) => ({ label: keyword.word, score: Math.min(1, keyword.weight / (rendered.keywords[0]?.weight || 1)) }))} />}
        </div>
      );
    case 'segments':
      return <Timeline segments={rendered.segments} ratio={rendered.ratio} />;
    case 'audio':
      return <audio controls src={rendered.src} data-testid="audio" />;
    case 'text':
      return <p className="text-output">{rendered.text}</p>;
    default:
      return null;
  }
}

export function ResultView({ answer, image }: { answer: PipelineAnswer; image: File | null }) {
  const { t } = useI18n();
  const rendered = classify(answer.output);
  const [tab, setTab] = useState<'rendered' | 'json'>(rendered.kind === 'none' ? 'json' : 'rendered');
  return (
    <section className="result" aria-labelledby="result-heading" data-testid="result">
      <div className="result-head">
        <h2 id="result-heading">{t.result}</h2>
        <span className="muted" data-testid="latency">
          {t.latency}: {Math.round(answer.latencyMs)} ms
        </span>
        <span className="muted" data-testid="revision" title={answer.revision}>
          {t.revision}: <code>{answer.revision.slice(0, 10)}</code>
        </span>
      </div>
      <div role="tablist" className="tabs small">
        {rendered.kind !== 'none' && (
          <button type="button" role="tab" aria-selected={tab === 'rendered'} onClick={() => setTab('rendered')}>
            {t.rendered}
          </button>
        )}
        <button type="button" role="tab" aria-selected={tab === 'json'} onClick={() => setTab('json')}>
          {t.rawJson}
        </button>
      </div>
      {tab === 'rendered' ? (
        <Rendering rendered={rendered} image={image} />
      ) : (
        <pre className="json" data-testid="raw-json">
          {JSON.stringify(answer.output, (key, value: unknown) => (key === 'audio' && typeof value === 'string' && value.length > 200 ? `${value.slice(0, 80)}… (${value.length} chars)` : value), 2)}
        </pre>
      )}
    </section>
  );
}
