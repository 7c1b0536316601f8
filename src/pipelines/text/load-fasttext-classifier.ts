// What both fastText pipelines (language identification, tuned text classification) do with their
// model: read the snapshot's supervised fastText file into a fasttext.wasm instance of its own,
// refuse a word-vector model, and predict labels (fastText's `__label__` prefix removed) with scores
// clamped to [0, 1], best first. Each pipeline keeps its own text preparation and label names.
import { readFile } from 'node:fs/promises';
import { FastText } from 'fasttext.wasm';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngineSync } from '../../runtime/engine-time.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { LabelScore } from '../../tasks/values.js';
import { checkFastTextModel, isSupervised } from './check-fasttext-model.js';
import type { ConfigurationSettings } from './configuration-settings.js';

/** wasm32 addresses 4 GiB; a model needs room beside it. */
const MAX_MODEL_BYTES = 1024 ** 3;
const LABEL_PREFIX = '__label__';

export interface FastTextClassifier {
  /** How many labels the model declares. */
  labels: number;
  /** The wasm heap the model lives in. */
  memoryBytes: number;
  /** The `topK` best labels of one line scoring at least `threshold`, best first. */
  predict(line: string, topK: number, threshold: number): LabelScore[];
  dispose(): void;
}

/** Loads configuration.json `model.file` (default `defaultFile`) of the snapshot. */
export async function loadFastTextClassifier(snapshot: ModelSnapshot, settings: ConfigurationSettings, defaultFile: string): Promise<FastTextClassifier> {
  const file = await snapshotFile(snapshot, settings.string('file', defaultFile), { maxBytes: MAX_MODEL_BYTES });
  const bytes = await readFile(file);
  const info = checkFastTextModel(bytes);
  if (!isSupervised(info)) throw new ModaError('MODEL_FILE_INVALID', `${file.split('/').pop()} is a fastText word-vector model, not a classifier`);
  let fastText: FastText;
  try {
    fastText = await FastText.create();
    fastText.loadModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ModaError('MODEL_LOAD_FAILED', `fastText could not load the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let model: FastText | undefined = fastText;
  return {
    labels: info.labels,
    memoryBytes: fastText.core.HEAP8.byteLength,
    predict(line, topK, threshold) {
      if (!model) throw new ModaError('MODEL_INFERENCE_FAILED', 'the model was disposed');
      const loaded = model;
      let predictions: Map<string, number>;
      try {
        predictions = timeEngineSync(() => loaded.predict(line, topK, threshold));
      } catch (error) {
        throw new ModaError('MODEL_INFERENCE_FAILED', `fastText failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const scores: LabelScore[] = [];
      // fastText adds 1e-5 before its softmax's log, so a sure answer can read 1.00004.
      for (const [label, score] of predictions) scores.push({ label: label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label, score: Math.min(1, Math.max(0, score)) });
      return scores.sort((a, b) => b.score - a.score);
    },
    dispose() {
      // The wasm instance has no explicit release; dropping it lets the collector take its heap.
      model = undefined;
    },
  };
}
