// Checks a card's YAML header before it is committed, field by field against what the search index
// reads from it (index-fields.ts): a field the index would silently drop is an error here, so the
// uploader learns of it instead of finding the repo unsearchable. `model-index` is checked against
// the shape eval results and leaderboards read (name, results[].task/dataset/metrics).
import { readCardHeader } from './model-card.js';

export interface CardProblem {
  message: string;
}

export interface CardReport {
  errors: CardProblem[];
  warnings: CardProblem[];
}

type Fields = Record<string, unknown>;

const STRING_FIELDS = ['pipeline_tag', 'library_name', 'model_name', 'pretty_name'];
const STRING_OR_LIST_FIELDS = ['license', 'tags', 'language', 'datasets', 'base_model', 'metrics', 'task_categories', 'task_ids', 'size_categories'];

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
const nonEmptyString = (value: unknown) => typeof value === 'string' && value.trim() !== '';

function checkModelIndex(value: unknown, errors: CardProblem[]): void {
  const fail = (where: string, what: string): void => {
    errors.push({ message: `"model-index${where}" ${what}` });
  };
  if (!Array.isArray(value)) return fail('', 'must be a list');
  value.forEach((entry: unknown, index) => {
    const at = `[${index}]`;
    if (!isObject(entry)) return fail(at, 'must be an object');
    if (!nonEmptyString(entry.name)) fail(`${at}.name`, 'is required and must be a string');
    if (!Array.isArray(entry.results)) return fail(`${at}.results`, 'is required and must be a list');
    entry.results.forEach((result: unknown, resultIndex) => {
      const where = `${at}.results[${resultIndex}]`;
      if (!isObject(result)) return fail(where, 'must be an object');
      if (!isObject(result.task) || !nonEmptyString(result.task.type)) fail(`${where}.task.type`, 'is required and must be a string');
      if (!isObject(result.dataset) || !nonEmptyString(result.dataset.type) || !nonEmptyString(result.dataset.name)) {
        fail(`${where}.dataset`, 'must be an object with string "type" and "name"');
      }
      if (!Array.isArray(result.metrics) || result.metrics.length === 0) return fail(`${where}.metrics`, 'is required and must be a non-empty list');
      result.metrics.forEach((metric: unknown, metricIndex) => {
        const metricAt = `${where}.metrics[${metricIndex}]`;
        if (!isObject(metric) || !nonEmptyString(metric.type)) return fail(`${metricAt}.type`, 'is required and must be a string');
        if (metric.value === undefined || metric.value === null) fail(`${metricAt}.value`, 'is required');
      });
    });
  });
}

/** The Hub's validate-yaml report for a README.md: errors block the commit, warnings do not. */
export function validateModelCard(readme: string): CardReport {
  const errors: CardProblem[] = [];
  const warnings: CardProblem[] = [];
  const header = readCardHeader(readme);
  if (header.kind === 'absent') return { errors, warnings: [{ message: 'empty or missing yaml metadata in repo card' }] };
  if (header.kind === 'invalid') return { errors: [{ message: `the YAML metadata could not be parsed: ${header.error}` }], warnings };
  if (header.value === null || header.value === undefined) return { errors, warnings: [{ message: 'empty or missing yaml metadata in repo card' }] };
  if (!isObject(header.value)) return { errors: [{ message: 'the YAML metadata must be a mapping of field names to values' }], warnings };
  const card = header.value;
  for (const field of STRING_FIELDS) {
    if (card[field] !== undefined && card[field] !== null && typeof card[field] !== 'string') errors.push({ message: `"${field}" must be a string` });
  }
  for (const field of STRING_OR_LIST_FIELDS) {
    if (card[field] !== undefined && card[field] !== null && !isStringList(card[field])) errors.push({ message: `"${field}" must be a string or a list of strings` });
  }
  if (card['model-index'] !== undefined) checkModelIndex(card['model-index'], errors);
  return { errors, warnings };
}
