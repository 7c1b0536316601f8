// The model card of a tuned model, from one template for every method: Hugging Face metadata
// (base_model, datasets, pipeline_tag, model-index with the held-out metrics), then what a reader
// needs to trust or reject the model: the data and its limits, the scores per class, the confusion
// matrix, the curve, the procedure and how to reproduce it.
import { stringify } from 'yaml';
import type { ClassificationMetrics } from './classification-metrics.js';
import { METRICS_FILE, TRAINING_CURVE_FILE } from './tuned-files.js';

export interface TunedCardInput {
  repo: string;
  method: { name: string; description: string; library: string };
  task: string;
  dataset: { id: string; commit: string; config: string; trainSplit: string; validationSplit: string | undefined; validationFraction: number };
  baseModel?: { id: string; commit: string };
  columns: Record<string, unknown>;
  labels: readonly string[];
  trainCounts: Record<string, number>;
  validationCount: number;
  dropped: { noLabel: number; emptyText: number };
  metrics: ClassificationMetrics;
  hyperparameters: Record<string, unknown>;
  seed: number;
  trainingSeconds: number;
  stats: Record<string, number>;
  reproducibility: string;
  /** What the method adds about its data (examples its base model found nothing in, …). */
  methodLimitations?: readonly string[];
  jobId: string;
  jobUrl: string;
  modaVersion: string;
  private: boolean;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

function fixed(value: number): string {
  return value.toFixed(4);
}

/** A Markdown table cell: pipes and line breaks would break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

function limitations(input: TunedCardInput): string[] {
  const notes: string[] = [];
  const counts = Object.values(input.trainCounts);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const smallest = Math.min(...counts);
  const largest = Math.max(...counts);
  notes.push(`It was trained on ${total} examples from one dataset (${input.dataset.id}); it knows only the ${input.labels.length} classes listed above and will force any input into one of them, including inputs unlike anything it saw.`);
  if (smallest < 20) notes.push(`Some classes have very few training examples (the smallest has ${smallest}); scores for those classes are unreliable.`);
  if (largest >= 3 * smallest) notes.push(`The classes are imbalanced (from ${smallest} to ${largest} examples each): accuracy overstates how well the rare classes are recognised; read the per-class recall.`);
  if (input.validationCount < 100) notes.push(`Only ${input.validationCount} held-out examples were scored: the metrics above can move by several points on other data.`);
  if (input.dataset.validationSplit === undefined) notes.push(`The dataset has no validation split: ${percent(input.dataset.validationFraction)} of each class of \`${input.dataset.trainSplit}\` was held out (stratified, seed ${input.seed}). Those rows come from the same source as the training rows, so they say little about other sources.`);
  else notes.push(`The held-out rows are the dataset's \`${input.dataset.validationSplit}\` split, from the same source as the training rows: expect lower scores on other kinds of text.`);
  if (input.dropped.emptyText > 0) notes.push(`${input.dropped.emptyText} rows with an empty text were left out; the model has not seen empty inputs.`);
  if (input.dropped.noLabel > 0) notes.push(`${input.dropped.noLabel} rows without a label were left out.`);
  notes.push(...(input.methodLimitations ?? []));
  return notes;
}

export function tunedModelCard(input: TunedCardInput): string {
  const { metrics } = input;
  const datasetRef = { type: input.dataset.id, name: input.dataset.id, config: input.dataset.config, split: input.dataset.validationSplit ?? `${input.dataset.trainSplit} (held out)`, revision: input.dataset.commit };
  const metricEntries = [
    { type: 'accuracy', value: round(metrics.accuracy), name: 'Accuracy' },
    { type: 'f1', value: round(metrics.macro_f1), name: 'Macro F1', args: { average: 'macro' } },
    ...metrics.per_class.flatMap((entry) => [
      { type: 'precision', value: round(entry.precision), name: `Precision (${entry.label})`, args: { label: entry.label } },
      { type: 'recall', value: round(entry.recall), name: `Recall (${entry.label})`, args: { label: entry.label } },
    ]),
  ];
  const header: Record<string, unknown> = {
    license: 'other',
    library_name: input.method.library,
    pipeline_tag: input.task,
    tags: ['moda-tuned', input.method.name],
    datasets: [input.dataset.id],
    ...(input.baseModel ? { base_model: input.baseModel.id, base_model_relation: 'finetune' } : {}),
    'model-index': [
      {
        name: input.repo,
        results: [{ task: { type: input.task }, dataset: datasetRef, metrics: metricEntries, source: { name: `Moda tune job ${input.jobId}`, url: input.jobUrl } }],
      },
    ],
  };
  const trainTotal = Object.values(input.trainCounts).reduce((sum, count) => sum + count, 0);
  const lines: string[] = [];
  lines.push(`---\n${stringify(header, { lineWidth: 0 })}---`, '', `# ${input.repo}`, '');
  lines.push(`A ${input.task} model trained by Moda with the \`${input.method.name}\` method (${input.method.description}) on [${input.dataset.id}](/datasets/${input.dataset.id}) at commit \`${input.dataset.commit.slice(0, 12)}\`.`);
  if (input.baseModel) lines.push('', `Base model: [${input.baseModel.id}](/${input.baseModel.id}) at commit \`${input.baseModel.commit.slice(0, 12)}\`.`);
  lines.push('', `**Held-out accuracy ${fixed(metrics.accuracy)}, macro-F1 ${fixed(metrics.macro_f1)}** on ${metrics.examples} examples.`, '');
  lines.push('## Labels', '', input.labels.map((label) => `\`${label}\``).join(', '), '');
  lines.push('## Training data', '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| Dataset | ${cell(input.dataset.id)} @ \`${input.dataset.commit}\` (config \`${cell(input.dataset.config)}\`) |`);
  lines.push(`| Training split | \`${cell(input.dataset.trainSplit)}\`: ${trainTotal} examples |`);
  lines.push(`| Validation | ${input.dataset.validationSplit ? `split \`${cell(input.dataset.validationSplit)}\`` : `${percent(input.dataset.validationFraction)} of each class of \`${cell(input.dataset.trainSplit)}\`, seed ${input.seed}`}: ${input.validationCount} examples |`);
  lines.push(`| Columns | ${cell(JSON.stringify(input.columns))} |`, '');
  lines.push('| Class | Training examples |', '|---|---:|');
  for (const label of input.labels) lines.push(`| ${cell(label)} | ${input.trainCounts[label] ?? 0} |`);
  lines.push('', '## Held-out results', '');
  lines.push('| Class | Precision | Recall | F1 | Support |', '|---|---:|---:|---:|---:|');
  for (const entry of metrics.per_class) lines.push(`| ${cell(entry.label)} | ${fixed(entry.precision)} | ${fixed(entry.recall)} | ${fixed(entry.f1)} | ${entry.support} |`);
  lines.push(`| **accuracy** | | | ${fixed(metrics.accuracy)} | ${metrics.examples} |`, `| **macro avg** | | | ${fixed(metrics.macro_f1)} | ${metrics.examples} |`, '');
  if (metrics.labels.length <= 30) {
    lines.push('### Confusion matrix', '', 'Rows: true class; columns: predicted class.', '');
    lines.push(`| true \\ predicted | ${metrics.labels.map(cell).join(' | ')} |`, `|---|${metrics.labels.map(() => '---:').join('|')}|`);
    metrics.confusion_matrix.forEach((row, index) => lines.push(`| ${cell(metrics.labels[index] ?? '')} | ${row.join(' | ')} |`));
    lines.push('');
  } else lines.push(`The confusion matrix (${metrics.labels.length} × ${metrics.labels.length}) is in \`${METRICS_FILE}\`.`, '');
  lines.push('### Training curve', '', `![Validation accuracy and loss per epoch](${TRAINING_CURVE_FILE})`, '');
  lines.push('## Training procedure', '');
  lines.push(`- Method: \`${input.method.name}\` (${input.method.library})`);
  lines.push(`- Hyperparameters: ${Object.entries(input.hyperparameters).map(([name, value]) => `\`${name}\` = ${JSON.stringify(value)}`).join(', ')}`);
  lines.push(`- Seed: ${input.seed}`);
  lines.push(`- Training time: ${input.trainingSeconds.toFixed(1)} s on a CPU (job [${input.jobId}](${input.jobUrl}), Moda ${input.modaVersion})`);
  for (const [name, value] of Object.entries(input.stats)) lines.push(`- ${name.replace(/_/g, ' ')}: ${value}`);
  lines.push(`- Every parameter, the dataset and base model commits and the column mapping are in \`training_params.json\`.`, '');
  lines.push('## Reproducibility', '', input.reproducibility, '');
  lines.push('## Limitations of the data', '', ...limitations(input).map((note) => `- ${note}`), '');
  if (input.private) lines.push('This model is private because the data it was trained on is private.', '');
  return lines.join('\n');
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
