// PP-OCR settings from a snapshot's configuration.json: which files hold the detector, recogniser,
// direction classifier and dictionary, the input shapes, thresholds and normalisation. Defaults are
// PaddleOCR's own for PP-OCRv4 (tools/infer/utility.py), so a configuration may name files only.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ModaError } from '../../errors/moda-error.js';
import type { ModelConfiguration } from '../../runtime/model-configuration.js';

const FileName = Type.String({ minLength: 1, maxLength: 255 });
const Probability = Type.Number({ minimum: 0, maximum: 1 });
const Triple = Type.Tuple([Type.Number(), Type.Number(), Type.Number()]);
const Normalization = Type.Object({ mean: Type.Optional(Triple), std: Type.Optional(Triple) });

const PpocrModel = Type.Object({
  /** Without a detector the pipeline reads each whole image as one text line (a recognition-only model). */
  det: Type.Optional(FileName),
  rec: FileName,
  cls: Type.Optional(FileName),
  dict: FileName,
  use_space_char: Type.Optional(Type.Boolean()),
  rec_image_height: Type.Optional(Type.Integer({ minimum: 8, maximum: 256 })),
  rec_min_width: Type.Optional(Type.Integer({ minimum: 8, maximum: 4096 })),
  rec_batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  cls_image_height: Type.Optional(Type.Integer({ minimum: 8, maximum: 256 })),
  cls_image_width: Type.Optional(Type.Integer({ minimum: 8, maximum: 4096 })),
  cls_batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  cls_threshold: Type.Optional(Probability),
  use_angle_cls: Type.Optional(Type.Boolean()),
  det_threshold: Type.Optional(Probability),
  box_threshold: Type.Optional(Probability),
  unclip_ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  min_size: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
  max_candidates: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  drop_score: Type.Optional(Probability),
});

const PpocrPreprocessor = Type.Object({
  channel_order: Type.Optional(Type.Union([Type.Literal('BGR'), Type.Literal('RGB')])),
  det: Type.Optional(
    Type.Object({
      ...Normalization.properties,
      limit_side_len: Type.Optional(Type.Integer({ minimum: 32, maximum: 4096 })),
      limit_type: Type.Optional(Type.Union([Type.Literal('max'), Type.Literal('min')])),
    }),
  ),
  rec: Type.Optional(Normalization),
  cls: Type.Optional(Normalization),
});

type Normalization = Static<typeof Normalization>;

export interface PpocrFiles {
  /** Undefined for a recognition-only model: each image is one line. */
  det: string | undefined;
  rec: string;
  cls: string | undefined;
  dict: string;
}

export interface PpocrConfig {
  files: PpocrFiles;
  channelOrder: 'BGR' | 'RGB';
  useSpaceChar: boolean;
  det: { limitSideLength: number; limitType: 'max' | 'min'; mean: number[]; std: number[]; threshold: number; boxThreshold: number; unclipRatio: number; minSize: number; maxCandidates: number };
  rec: { imageHeight: number; minWidth: number; batchSize: number; mean: number[]; std: number[]; dropScore: number };
  cls: { imageHeight: number; imageWidth: number; batchSize: number; mean: number[]; std: number[]; threshold: number; enabled: boolean };
}

const HALF = [0.5, 0.5, 0.5];

function firstError(schema: Parameters<typeof Value.Errors>[0], value: unknown): string {
  const error = [...Value.Errors(schema, value)][0];
  return error ? `${error.path || '/'} ${error.message}` : 'invalid';
}

function normalization(given: Normalization | undefined, mean: number[], std: number[]): { mean: number[]; std: number[] } {
  const chosen = { mean: given?.mean ?? mean, std: given?.std ?? std };
  if (chosen.std.some((value) => value === 0)) throw new ModaError('MODEL_LOAD_FAILED', 'configuration.json: a std of 0 would divide by zero');
  return chosen;
}

export function readPpocrConfig(configuration: ModelConfiguration | undefined): PpocrConfig {
  if (!configuration) throw new ModaError('MODEL_LOAD_FAILED', 'a ppocr model needs a configuration.json');
  const model: unknown = configuration.model;
  if (!Value.Check(PpocrModel, model)) throw new ModaError('MODEL_LOAD_FAILED', `configuration.json model: ${firstError(PpocrModel, model)}`);
  const preprocessor: unknown = configuration.preprocessor ?? {};
  if (!Value.Check(PpocrPreprocessor, preprocessor)) throw new ModaError('MODEL_LOAD_FAILED', `configuration.json preprocessor: ${firstError(PpocrPreprocessor, preprocessor)}`);
  return {
    files: { det: model.det, rec: model.rec, cls: model.cls, dict: model.dict },
    channelOrder: preprocessor.channel_order ?? 'BGR',
    useSpaceChar: model.use_space_char ?? true,
    det: {
      limitSideLength: preprocessor.det?.limit_side_len ?? 960,
      limitType: preprocessor.det?.limit_type ?? 'max',
      ...normalization(preprocessor.det, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
      threshold: model.det_threshold ?? 0.3,
      boxThreshold: model.box_threshold ?? 0.6,
      unclipRatio: model.unclip_ratio ?? 1.5,
      minSize: model.min_size ?? 3,
      maxCandidates: model.max_candidates ?? 1000,
    },
    rec: {
      imageHeight: model.rec_image_height ?? 48,
      minWidth: model.rec_min_width ?? 320,
      batchSize: model.rec_batch_size ?? 6,
      ...normalization(preprocessor.rec, HALF, HALF),
      dropScore: model.drop_score ?? 0.5,
    },
    cls: {
      imageHeight: model.cls_image_height ?? 48,
      imageWidth: model.cls_image_width ?? 192,
      batchSize: model.cls_batch_size ?? 6,
      ...normalization(preprocessor.cls, HALF, HALF),
      threshold: model.cls_threshold ?? 0.9,
      enabled: model.use_angle_cls ?? false,
    },
  };
}
