// One schema per kind of value, shared by every task, so images, audio, boxes and labels look the
// same whichever model produced them. Media fields carry `x-media` instead of a JSON type: over HTTP
// they are strings (base64, data URI or http(s) URL), in the TypeScript API they may also be bytes.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** An image: bytes, base64, a `data:` URI or an http(s) URL. */
export type ImageSource = string | Uint8Array;
/** Audio: bytes or base64 / `data:` URI of a WAV file (16 kHz mono after decoding). */
export type AudioSource = string | Uint8Array;

export const ImageInput = Type.Unsafe<ImageSource>({
  'x-media': 'image',
  title: 'Image',
  description: 'An image (PNG, JPEG, WebP, GIF, TIFF, AVIF): base64, a data: URI or an http(s) URL; raw bytes in the TypeScript API. EXIF orientation is applied.',
});

export const AudioInput = Type.Unsafe<AudioSource>({
  'x-media': 'audio',
  title: 'Audio',
  description: 'A WAV file (PCM 8/16/24/32-bit or float): base64 or a data: URI; raw bytes in the TypeScript API. Decoded to 16 kHz mono.',
});

export const TextInput = Type.String({ minLength: 1, title: 'Text' });

export const Point = Type.Tuple([Type.Number(), Type.Number()], { description: '[x, y] in pixels' });

/** A box in pixels of the input image, with an optional polygon for rotated or curved regions. */
export const Box = Type.Object(
  {
    xmin: Type.Number(),
    ymin: Type.Number(),
    xmax: Type.Number(),
    ymax: Type.Number(),
    polygon: Type.Optional(Type.Array(Point, { description: 'Corner points, clockwise from top-left' })),
  },
  { description: 'Pixel coordinates in the input image' },
);
export type Box = Static<typeof Box>;

export const Score = Type.Number({ minimum: 0, maximum: 1 });

export const LabelScore = Type.Object({ label: Type.String(), score: Score });
export type LabelScore = Static<typeof LabelScore>;

/** Labels with scores, highest score first. */
export const LabelScores = Type.Array(LabelScore, { description: 'Sorted by score, highest first' });

export const TopK = Type.Integer({ minimum: 1, maximum: 1000, description: 'How many labels to return' });

/** A schema for tasks whose parameters are all optional. */
export function parametersOf<T extends Record<string, TSchema>>(properties: T) {
  return Type.Object(properties, { additionalProperties: false });
}

/** Minimum score a result needs to be returned. */
export const Threshold = Type.Number({ minimum: 0, maximum: 1, description: 'Results scoring below this are dropped' });

/** A position in the input text: a JavaScript string index (UTF-16 code units), so `text.slice(start, end)` is the span. */
export const Offset = Type.Integer({ minimum: 0, description: 'String index in the input (UTF-16 code units); end is exclusive' });

/** The labels a zero-shot task chooses between; the model has never been trained on them. */
export const CandidateLabels = Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000, description: 'Labels to choose between' });

export const HypothesisTemplate = Type.String({ pattern: '\\{\\}', description: 'Sentence the label is put into, at `{}`, e.g. "This example is {}."' });

/** Sampling controls shared by every task that generates text token by token; a model ignores those it cannot honour. */
export const generationParameters = {
  max_new_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 32768, description: 'Most tokens to generate' })),
  do_sample: Type.Optional(Type.Boolean({ description: 'Sample instead of greedy decoding' })),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Higher is more random; used when sampling' })),
  top_k: Type.Optional(Type.Integer({ minimum: 1, description: 'Sample only among the k most likely tokens' })),
  top_p: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Sample only among the most likely tokens whose probabilities add up to p' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, description: 'Makes sampling repeatable' })),
};
