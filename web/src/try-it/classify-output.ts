// Decides how a pipeline's output is drawn, from its shape (the task's output schema), so every
// task with the same output kind gets the same view: scores, boxes, faces, text lines, masks,
// words, entities, speech segments, audio, text, similarities or a vector.

export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  polygon?: [number, number][];
}
export interface LabelScore {
  label: string;
  score: number;
}
export interface Shape {
  label: string;
  /** Shapes with the same key share a colour (a detection class); else each gets its own. */
  colorKey: string;
  box: Box;
  points?: [number, number][];
}
export interface Face {
  score: number;
  box: Box;
  landmarks?: [number, number][];
  age?: number;
  gender?: LabelScore;
  expression?: LabelScore[];
}
export interface MaskSegment {
  label: string;
  score: number | null;
  mask: string;
}
export interface WordToken {
  word: string;
  tag?: string;
}
export interface Entity {
  entity: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

export type Rendered =
  | { kind: 'labels'; labels: LabelScore[]; languages: boolean }
  | { kind: 'detections'; shapes: Shape[]; labels: LabelScore[] }
  | { kind: 'faces'; faces: Face[] }
  | { kind: 'ocr'; shapes: Shape[]; lines: { text: string; score: number }[]; angle: number | undefined }
  | { kind: 'masks'; segments: MaskSegment[] }
  | { kind: 'words'; tokens: WordToken[]; keywords: { word: string; weight: number }[] }
  | { kind: 'entities'; entities: Entity[] }
  | { kind: 'segments'; segments: { start: number; end: number }[]; ratio: number | undefined }
  | { kind: 'speech'; src: string; samplingRate: number | undefined }
  | { kind: 'text'; text: string; chunks: { text: string; timestamp: [number, number] }[] }
  | { kind: 'similarity'; scores: number[] }
  | { kind: 'vector'; dimensions: number }
  | { kind: 'none' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isBox = (value: unknown): value is Box => isObject(value) && ['xmin', 'ymin', 'xmax', 'ymax'].every((key) => typeof value[key] === 'number');
const isPoint = (value: unknown): value is [number, number] => Array.isArray(value) && value.length >= 2 && typeof value[0] === 'number' && typeof value[1] === 'number';
const isLabelScore = (value: unknown): value is LabelScore => isObject(value) && typeof value.label === 'string' && typeof value.score === 'number';
const percent = (score: number) => `${Math.round(score * 100)}%`;

function face(item: Record<string, unknown>): Face {
  return {
    score: Number(item.score ?? 0),
    box: item.box as Box,
    ...(Array.isArray(item.landmarks) && { landmarks: item.landmarks.filter(isPoint) }),
    ...(typeof item.age === 'number' && { age: item.age }),
    ...(isLabelScore(item.gender) && { gender: item.gender }),
    ...(Array.isArray(item.expression) && { expression: item.expression.filter(isLabelScore) }),
  };
}

function fromArray(items: unknown[], task: string): Rendered {
  if (items.length > 0 && items.every((item) => typeof item === 'number')) return { kind: 'vector', dimensions: items.length };
  if (items.length > 0 && items.every(Array.isArray)) return { kind: 'vector', dimensions: (items[0] as unknown[]).length };
  const objects = items.filter(isObject);
  if (objects.length !== items.length) return { kind: 'none' };
  if (objects.length > 0 && objects.every((item) => typeof item.mask === 'string')) {
    return { kind: 'masks', segments: objects.map((item) => ({ label: String(item.label ?? ''), score: typeof item.score === 'number' ? item.score : null, mask: item.mask as string })) };
  }
  // Faces carry a box and no label; detections a box and a class label.
  if (task === 'face-detection' || (objects.length > 0 && objects.every((item) => isBox(item.box) && item.label === undefined))) {
    return { kind: 'faces', faces: objects.filter((item) => isBox(item.box)).map(face) };
  }
  if (objects.some((item) => isBox(item.box))) {
    const boxed = objects.filter((item) => isBox(item.box));
    return {
      kind: 'detections',
      shapes: boxed.map((item) => ({ label: `${String(item.label ?? '')} ${percent(Number(item.score ?? 0))}`, colorKey: String(item.label ?? ''), box: item.box as Box })),
      labels: boxed.map((item) => ({ label: String(item.label ?? ''), score: Number(item.score ?? 0) })),
    };
  }
  if (objects.length > 0 && objects.every((item) => typeof item.entity === 'string' && typeof item.start === 'number' && typeof item.end === 'number')) {
    return { kind: 'entities', entities: objects as unknown as Entity[] };
  }
  if (objects.every((item) => typeof item.score === 'number')) {
    // label (classification), answer (question answering), token_str (fill-mask).
    const labelOf = (item: Record<string, unknown>) => String(item.label ?? item.answer ?? item.token_str ?? item.word ?? '');
    return { kind: 'labels', labels: objects.map((item) => ({ label: labelOf(item), score: item.score as number })), languages: task === 'language-identification' };
  }
  return { kind: 'none' };
}

function fromObject(output: Record<string, unknown>): Rendered {
  if (Array.isArray(output.lines) && typeof output.text === 'string') {
    const lines = output.lines.filter(isObject);
    return {
      kind: 'ocr',
      shapes: lines.filter((line) => isBox(line.box)).map((line, index) => ({ label: String(line.text ?? ''), colorKey: String(index), box: line.box as Box })),
      lines: lines.map((line) => ({ text: String(line.text ?? ''), score: Number(line.score ?? 0) })),
      angle: typeof output.angle === 'number' ? output.angle : undefined,
    };
  }
  if (Array.isArray(output.tokens)) {
    return {
      kind: 'words',
      tokens: output.tokens.filter(isObject).map((token) => ({ word: String(token.word ?? ''), ...(typeof token.tag === 'string' && { tag: token.tag }) })),
      keywords: Array.isArray(output.keywords) ? output.keywords.filter(isObject).map((keyword) => ({ word: String(keyword.word ?? ''), weight: Number(keyword.weight ?? 0) })) : [],
    };
  }
  if (Array.isArray(output.segments)) {
    return {
      kind: 'segments',
      segments: output.segments.filter(isObject).map((segment) => ({ start: Number(segment.start ?? 0), end: Number(segment.end ?? 0) })),
      ratio: typeof output.speech_ratio === 'number' ? output.speech_ratio : undefined,
    };
  }
  if (typeof output.audio === 'string') {
    return { kind: 'speech', src: output.audio.startsWith('data:') ? output.audio : `data:audio/wav;base64,${output.audio}`, samplingRate: typeof output.sampling_rate === 'number' ? output.sampling_rate : undefined };
  }
  if (Array.isArray(output.scores) && output.scores.every((score) => typeof score === 'number')) return { kind: 'similarity', scores: output.scores as number[] };
  for (const key of ['generated_text', 'translation_text', 'summary_text', 'answer', 'text']) {
    const text = output[key];
    if (typeof text === 'string') {
      const chunks = Array.isArray(output.chunks) ? output.chunks.filter((chunk): chunk is { text: string; timestamp: [number, number] } => isObject(chunk) && typeof chunk.text === 'string' && isPoint(chunk.timestamp)) : [];
      return { kind: 'text', text, chunks };
    }
  }
  return { kind: 'none' };
}

export function classifyOutput(output: unknown, task: string): Rendered {
  if (Array.isArray(output)) return fromArray(output, task);
  if (isObject(output)) return fromObject(output);
  if (typeof output === 'string') return { kind: 'text', text: output, chunks: [] };
  return { kind: 'none' };
}
