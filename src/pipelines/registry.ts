// Every way Moda knows to run a model, by `pipeline.type`. A repo's configuration.json names one of
// these; nothing in a repo can add to the list (a model is data, never code).
//
// Each entry states what planning needs (type, tasks, engine) and imports its implementation only
// when a model is loaded: the engines behind them (transformers.js, tfjs, face-api…) take seconds
// and up to ~170 MB each to import, and every model runs in a child process of its own, which
// should hold only the one it runs. registry.test.ts checks each entry against its module.
import { pipelineLimits } from './limits/pipeline-limits.js';
import { limitOutputBytes } from './limits/limit-output-bytes.js';
import type { EmbeddingSpec } from './embedding/embedding-spec.js';
import type { PipelineImplementation } from './pipeline-implementation.js';
import { TRANSFORMERS_TASKS } from './transformers/transformers-tasks.js';

export type ImplementationSummary = Omit<PipelineImplementation, 'load'> & {
  /** Set where the pipeline can give an embedding, so a model of this type can be a tuning backbone. */
  embeds?: EmbeddingSpec;
};

/** Resolves an entry's own module. */
type Importer = () => Promise<PipelineImplementation>;

function lazy(summary: ImplementationSummary, importer: Importer): ImplementationSummary & PipelineImplementation & { importer: Importer } {
  return {
    ...summary,
    importer,
    async load(snapshot, options) {
      return limitOutputBytes(await (await importer()).load(snapshot, options), pipelineLimits(options.limits).maxOutputBytes);
    },
  };
}

const implementations = [
  // One entry per implementation — keep sorted by type.
  lazy({ type: 'centernet', tasks: ['object-detection'], engine: 'tfjs' }, async () => (await import('./vision/centernet-pipeline.js')).centernetPipeline),
  lazy({ type: 'embedding-head', tasks: ['image-classification', 'text-classification'], engine: 'tfjs' }, async () => (await import('./embedding/embedding-head-pipeline.js')).embeddingHeadPipeline),
  lazy({ type: 'embedding-prototypes', tasks: ['image-classification', 'text-classification'], engine: 'tfjs' }, async () => (await import('./embedding/embedding-prototypes-pipeline.js')).embeddingPrototypesPipeline),
  lazy({ type: 'espeak-ng-tts', tasks: ['text-to-speech'], engine: 'espeak' }, async () => (await import('./audio/espeak-tts.js')).espeakTtsPipeline),
  lazy({ type: 'face-api', tasks: ['face-detection'], engine: 'tfjs', embeds: { task: 'face-detection', input: 'image', from: 'best-face', unusedModelSettings: ['age_gender', 'expression'] } }, async () => (await import('./vision/face-api-pipeline.js')).faceApiPipeline),
  lazy({ type: 'fasttext-language-identification', tasks: ['language-identification'], engine: 'fasttext' }, async () => (await import('./text/fasttext-language-identification.js')).fastTextLanguageIdentificationPipeline),
  lazy({ type: 'fasttext-text-classification', tasks: ['text-classification'], engine: 'fasttext' }, async () => (await import('./text/fasttext-text-classification.js')).fastTextTextClassificationPipeline),
  lazy({ type: 'jieba-word-segmentation', tasks: ['word-segmentation'], engine: 'jieba' }, async () => (await import('./text/jieba-word-segmentation.js')).jiebaWordSegmentationPipeline),
  lazy({ type: 'llama.cpp', tasks: ['text-generation', 'feature-extraction'], engine: 'llama.cpp', embeds: { task: 'feature-extraction', input: 'text', from: 'embedding' } }, async () => (await import('./llm/llama-cpp-pipeline.js')).llamaCppPipeline),
  lazy({ type: 'nsfwjs', tasks: ['image-classification'], engine: 'tfjs' }, async () => (await import('./vision/nsfw-pipeline.js')).nsfwPipeline),
  lazy({ type: 'ppocr', tasks: ['ocr'], engine: 'onnx' }, async () => (await import('./ocr/ppocr-pipeline.js')).ppocrPipeline),
  lazy({ type: 'selfie-segmentation', tasks: ['image-segmentation'], engine: 'tfjs' }, async () => (await import('./vision/selfie-segmentation-pipeline.js')).selfieSegmentationPipeline),
  lazy({ type: 'silero-vad', tasks: ['voice-activity-detection'], engine: 'onnx' }, async () => (await import('./audio/silero-vad.js')).sileroVadPipeline),
  lazy({ type: 'tesseract', tasks: ['ocr'], engine: 'tesseract' }, async () => (await import('./tesseract/tesseract-pipeline.js')).tesseractPipeline),
  lazy(
    { type: 'tfjs-image-embedding', tasks: ['image-feature-extraction'], engine: 'tfjs', embeds: { task: 'image-feature-extraction', input: 'image', from: 'embedding' } },
    async () => (await import('./vision/image-embedding-pipeline.js')).imageEmbeddingPipeline,
  ),
  lazy(
    { type: 'transformers.js', tasks: TRANSFORMERS_TASKS, engine: 'onnx', embeds: { task: 'feature-extraction', input: 'text', from: 'embedding' } },
    async () => (await import('./transformers/transformers-pipeline.js')).transformersJsPipeline,
  ),
];

const byType = new Map(implementations.map((implementation) => [implementation.type, implementation]));

/** The implementation of a `pipeline.type`; its `load` imports the implementation's module on first use. */
export function findImplementation(type: string): (PipelineImplementation & ImplementationSummary) | undefined {
  return byType.get(type);
}

export function listImplementations(): readonly PipelineImplementation[] {
  return implementations;
}

/** Imports an entry's own module (for registry.test.ts, which compares the two). */
export function importImplementation(type: string): Promise<PipelineImplementation> | undefined {
  return byType.get(type)?.importer();
}

/** The `pipeline.type` of Hugging Face-layout repos. */
export const TRANSFORMERS_JS_TYPE = 'transformers.js';
