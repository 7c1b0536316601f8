// Matches a dataset's reference labels to the labels a model answers with. Datasets and models
// rarely spell them alike: "positive" vs "POSITIVE", " spam" vs "spam", fastText's "__label__spam",
// integer class ids vs names (the model's config.json id2label, the dataset's ClassLabel names).
// What can be matched is mapped; what cannot is reported, and its samples count as wrong — an
// unmatched label is never dropped, so the score never looks better than the model is.

export interface LabelMapping {
  /** Reference label → model label, for those that were not already spelled the same. */
  mapped: Record<string, string>;
  /** Reference labels no model label matches. */
  unmapped: string[];
  /** Samples whose reference is unmapped (each counted as wrong). */
  unmappedSamples: number;
}

export interface LabelSources {
  /** `id2label` of the model's config.json (ids as keys). */
  id2label?: Record<string, string>;
  /** Labels the model answered with during this evaluation. */
  predicted: Iterable<string>;
  /** ClassLabel names of an integer reference column (id = position). */
  classNames?: readonly string[];
}

/** Case, surrounding and repeated whitespace, and fastText's label prefix do not tell labels apart. */
export function normalizeLabel(label: string): string {
  return label.trim().replace(/^__label__/, '').replace(/\s+/g, ' ').toLowerCase();
}

export class LabelMapper {
  /** normalized model label → the model's spelling. */
  private readonly modelLabels = new Map<string, string>();
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly sources: LabelSources) {
    for (const label of [...Object.values(sources.id2label ?? {}), ...sources.predicted]) {
      const key = normalizeLabel(label);
      if (!this.modelLabels.has(key)) this.modelLabels.set(key, label);
    }
  }

  /** The model label a reference value stands for, or undefined when none matches. */
  modelLabelOf(reference: unknown): string | undefined {
    const key = typeof reference === 'string' ? reference : JSON.stringify(reference);
    if (this.cache.has(key)) return this.cache.get(key);
    const found = this.candidates(reference).map((candidate) => this.modelLabels.get(normalizeLabel(candidate))).find((label) => label !== undefined);
    this.cache.set(key, found);
    return found;
  }

  private candidates(reference: unknown): string[] {
    const text = typeof reference === 'string' ? reference : typeof reference === 'number' || typeof reference === 'boolean' ? String(reference) : JSON.stringify(reference);
    const id = /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
    const out = [text];
    if (id !== undefined) {
      const name = this.sources.classNames?.[id];
      if (name !== undefined) out.unshift(name);
      const modelName = this.sources.id2label?.[String(id)];
      if (modelName !== undefined) out.push(modelName);
      out.push(`LABEL_${id}`);
    }
    return out;
  }

  /** A model label in the one spelling the mapping uses for it. */
  canonical(label: string): string {
    return this.modelLabels.get(normalizeLabel(label)) ?? label;
  }

  /** Whether the model's answer is the reference's label. */
  matches(prediction: string | undefined, reference: unknown): boolean {
    if (prediction === undefined) return false;
    const label = this.modelLabelOf(reference);
    return label !== undefined && normalizeLabel(label) === normalizeLabel(prediction);
  }

  /** What was mapped and what was not, over the references of a run. */
  report(references: readonly unknown[]): LabelMapping {
    const mapped: Record<string, string> = {};
    const unmapped = new Set<string>();
    let unmappedSamples = 0;
    for (const reference of references) {
      const text = typeof reference === 'string' ? reference : JSON.stringify(reference);
      const label = this.modelLabelOf(reference);
      if (label === undefined) {
        unmapped.add(text);
        unmappedSamples++;
      } else if (label !== text) mapped[text] = label;
    }
    return { mapped, unmapped: [...unmapped].sort(), unmappedSamples };
  }
}
