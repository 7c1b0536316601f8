// Tesseract settings from a snapshot's configuration.json: which languages (and so which
// `<language>.traineddata` files of the repo) to read with, the engine and page segmentation
// modes, the resolution to assume, and the bounds on each tesseract process.
import { ModaError } from '../../errors/moda-error.js';
import type { ModelConfiguration } from '../../runtime/model-configuration.js';
import { configurationSettings } from '../text/configuration-settings.js';
import { LANGUAGES } from './run-tesseract.js';

/**
 * Page segmentation modes that read text without the separate `osd` model: 3 automatic, 4 one
 * column, 5 one vertical block, 6 one block, 7 one line, 8 one word, 9 one word in a circle, 10 one
 * character, 11 sparse text, 13 raw line. (0, 1 and 12 need osd.traineddata, 2 reads nothing.)
 */
export const PAGE_SEGMENTATION_MODES: readonly number[] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13];

export interface TesseractConfig {
  languages: string[];
  /** 0 legacy, 1 LSTM, 2 both, 3 whatever the data holds. tessdata_fast models hold LSTM only. */
  oem: number;
  psm: number;
  dpi: number | undefined;
  grayscale: boolean;
  /** Images are enlarged by this factor before reading (boxes are mapped back); small text reads better larger. */
  scale: number;
  minScore: number;
  /** Most tesseract processes one batch runs at a time. */
  maxProcesses: number;
  /** Per image; a process reading n images gets n times this. */
  timeoutMs: number;
  /**
   * `rows`: top to bottom, then left to right, as the ocr task promises and other OCR models give;
   * `layout`: tesseract's own block order, which reads a multi-column page column by column.
   */
  readingOrder: 'rows' | 'layout';
}

export function checkPageSegmentationMode(value: number, where: string, code: 'MODEL_LOAD_FAILED' | 'TASK_INPUT_INVALID'): number {
  if (!PAGE_SEGMENTATION_MODES.includes(value)) throw new ModaError(code, `${where} must be one of ${PAGE_SEGMENTATION_MODES.join(', ')}, not ${JSON.stringify(value)}`);
  return value;
}

export function readTesseractConfig(configuration: ModelConfiguration | undefined): TesseractConfig {
  const model = configurationSettings(configuration?.model, 'configuration.json model');
  const preprocessor = configurationSettings(configuration?.preprocessor, 'configuration.json preprocessor');
  const languages = model.string('languages', 'eng', LANGUAGES).split('+');
  const dpi = preprocessor.raw('dpi') === undefined ? undefined : preprocessor.number('dpi', 300, { min: 70, max: 2400, integer: true });
  return {
    languages,
    oem: model.number('oem', 1, { min: 0, max: 3, integer: true }),
    psm: checkPageSegmentationMode(preprocessor.number('psm', 3, { min: 0, max: 13, integer: true }), 'configuration.json preprocessor.psm', 'MODEL_LOAD_FAILED'),
    dpi,
    grayscale: preprocessor.boolean('grayscale', true),
    scale: preprocessor.number('scale', 1, { min: 1, max: 4 }),
    minScore: model.number('min_score', 0, { min: 0, max: 1 }),
    maxProcesses: model.number('max_processes', 2, { min: 1, max: 64, integer: true }),
    timeoutMs: model.number('timeout_ms', 60_000, { min: 1000, max: 600_000, integer: true }),
    readingOrder: model.string('reading_order', 'rows', /^(rows|layout)$/) as 'rows' | 'layout',
  };
}
