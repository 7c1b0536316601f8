// Every way Moda knows to run a model, by `pipeline.type`. A repo's configuration.json names one of
// these; nothing in a repo can add to the list (a model is data, never code).
import { espeakTtsPipeline } from './audio/espeak-tts.js';
import { sileroVadPipeline } from './audio/silero-vad.js';
import { ppocrPipeline } from './ocr/ppocr-pipeline.js';
import type { PipelineImplementation } from './pipeline-implementation.js';
import { tesseractPipeline } from './tesseract/tesseract-pipeline.js';
import { fastTextLanguageIdentificationPipeline } from './text/fasttext-language-identification.js';
import { jiebaWordSegmentationPipeline } from './text/jieba-word-segmentation.js';
import { centernetPipeline } from './vision/centernet-pipeline.js';
import { faceApiPipeline } from './vision/face-api-pipeline.js';
import { nsfwPipeline } from './vision/nsfw-pipeline.js';
import { transformersJsPipeline } from './transformers/transformers-pipeline.js';

const implementations: readonly PipelineImplementation[] = [
  // One line per implementation, e.g. `ppocrPipeline,` — keep sorted by type.
  centernetPipeline,
  espeakTtsPipeline,
  faceApiPipeline,
  fastTextLanguageIdentificationPipeline,
  jiebaWordSegmentationPipeline,
  nsfwPipeline,
  ppocrPipeline,
  sileroVadPipeline,
  tesseractPipeline,
  transformersJsPipeline,
];

const byType = new Map(implementations.map((implementation) => [implementation.type, implementation]));

export function findImplementation(type: string): PipelineImplementation | undefined {
  return byType.get(type);
}

export function listImplementations(): readonly PipelineImplementation[] {
  return implementations;
}
