// Entity-level precision, recall and F1 for token classification, as seqeval computes them in strict
// mode (seqeval.metrics.f1_score(..., mode='strict', scheme=IOB2 | IOBES), micro average): an
// entity counts only when its type, start and end all match. Entities are read from tag sequences
// with seqeval's scheme rules (seqeval/scheme.py, Tokens.extract):
//   IOB2: an entity starts at B-X and continues through I-X; an I-X with no B-X before it starts
//         nothing (strict mode drops it, where the default "conlleval" mode would start one).
//   IOBES: starts at B-X (continued by I-X, closed by E-X) or is a single S-X; a B-X … I-X run
//         that never reaches E-X is no entity.
// Tags are `O` or `<prefix>-<TYPE>`; any other tag is refused, as seqeval's strict mode raises on
// an invalid tag. Predictions as spans (the token-classification task's output, offsets in
// characters) compare the same way: an entity is (type, start, end).
import { checkPaired, metricInputError } from './metric-input-error.js';

export type TaggingScheme = 'IOB2' | 'IOBES';

export interface EntitySpan {
  /** The entity type, without B-/I- prefix (`PER`). */
  entity: string;
  start: number;
  end: number;
}

export interface EntityScores {
  precision: number;
  recall: number;
  f1: number;
  /** Reference entities of this type. */
  support: number;
}

export interface EntityResult {
  entity_precision: number;
  entity_recall: number;
  entity_f1: number;
  per_type: Record<string, EntityScores>;
  predicted_entities: number;
  reference_entities: number;
  samples: number;
  /** Predictions that were `null` (the model failed): no entities found. */
  failures: number;
}

type Prefix = 'B' | 'I' | 'E' | 'S' | 'O';

interface Tag {
  prefix: Prefix;
  type: string;
}

const ALLOWED: Record<TaggingScheme, ReadonlySet<Prefix>> = {
  IOB2: new Set(['B', 'I', 'O']),
  IOBES: new Set(['B', 'I', 'E', 'S', 'O']),
};

const OUTSIDE: Tag = { prefix: 'O', type: '' };

function parseTag(tag: unknown, scheme: TaggingScheme, where: string): Tag {
  if (tag === 'O') return OUTSIDE;
  if (typeof tag !== 'string' || tag.length < 3 || tag[1] !== '-') throw metricInputError(`${where}: tag ${JSON.stringify(tag)} is not O or <prefix>-<type>`);
  const prefix = tag[0] as Prefix;
  if (!ALLOWED[scheme].has(prefix) || prefix === 'O') throw metricInputError(`${where}: tag ${JSON.stringify(tag)} has a prefix the ${scheme} scheme does not allow`);
  return { prefix, type: tag.slice(2) };
}

/** seqeval's inside_patterns: may `current` continue the entity that `previous` is part of? */
function continues(scheme: TaggingScheme, previous: Tag, current: Tag): boolean {
  if (previous.type !== current.type) return false;
  if (scheme === 'IOB2') return (previous.prefix === 'B' || previous.prefix === 'I') && current.prefix === 'I';
  return (previous.prefix === 'B' || previous.prefix === 'I') && (current.prefix === 'I' || current.prefix === 'E');
}

/** seqeval's end_patterns: does an entity whose last token is `last` end properly? */
function endsProperly(scheme: TaggingScheme, last: Tag): boolean {
  // IOB2's end patterns (I|B then O, any B, or an I of another type) cover every token that does
  // not continue the entity, and the forward walk stops only at such a token: every run ends.
  if (scheme === 'IOB2') return true;
  return last.prefix === 'S' || last.prefix === 'E';
}

/** The entities of one tag sequence (token offsets, end exclusive). */
export function entitiesFromTags(tags: readonly unknown[], scheme: TaggingScheme, where = 'tags', known: Map<unknown, Tag> = new Map()): EntitySpan[] {
  if (!Array.isArray(tags)) throw metricInputError(`${where} is not a list of tags`);
  // A corpus uses a handful of distinct tags: parse each once (5× faster on 100,000 sentences).
  const parsed = tags.map((tag: unknown) => {
    let value = known.get(tag);
    if (value === undefined) {
      value = parseTag(tag, scheme, where);
      if (known.size < 10_000) known.set(tag, value);
    }
    return value;
  });
  // seqeval appends an O so that an entity running to the end of the sentence can close.
  parsed.push(OUTSIDE);
  const entities: EntitySpan[] = [];
  let i = 0;
  while (i < parsed.length) {
    const token = parsed[i]!;
    const starts = token.prefix === 'B' || (scheme === 'IOBES' && token.prefix === 'S');
    if (!starts) {
      i++;
      continue;
    }
    let end = i + 1;
    let previous = token;
    while (end < parsed.length - 1 && continues(scheme, previous, parsed[end]!)) previous = parsed[end++]!;
    if (endsProperly(scheme, previous)) entities.push({ entity: token.type, start: i, end });
    i = end;
  }
  return entities;
}

function keyOf(span: EntitySpan): string {
  return `${span.entity}\t${span.start}\t${span.end}`;
}

function checkSpans(spans: unknown, where: string): EntitySpan[] {
  if (!Array.isArray(spans)) throw metricInputError(`${where} is not a list of entities`);
  for (const span of spans as Partial<EntitySpan>[]) {
    if (typeof span !== 'object' || span === null || typeof span.entity !== 'string' || !Number.isInteger(span.start) || !Number.isInteger(span.end)) {
      throw metricInputError(`${where}: every entity needs {entity: string, start: integer, end: integer}`);
    }
  }
  return spans as EntitySpan[];
}

/** Strict entity F1 over tag sequences (one list of tags per sentence). */
export function entityMetricsFromTags(predictions: readonly (readonly string[] | null)[], references: readonly (readonly string[])[], scheme: TaggingScheme = 'IOB2'): EntityResult {
  checkPaired(predictions, references);
  references.forEach((tags, i) => {
    const predicted = predictions[i];
    if (predicted && Array.isArray(tags) && Array.isArray(predicted) && predicted.length !== tags.length) {
      throw metricInputError(`sample ${i}: ${predicted.length} predicted tags for ${tags.length} reference tags`, { index: i });
    }
  });
  const known = new Map<unknown, Tag>();
  return scoreEntities(
    predictions.map((tags, i) => (tags === null || tags === undefined ? null : entitiesFromTags(tags, scheme, `prediction ${i}`, known))),
    references.map((tags, i) => entitiesFromTags(tags, scheme, `reference ${i}`, known)),
  );
}

/** Strict entity F1 over spans (type and exact offsets), e.g. the token-classification task's output. */
export function entityMetricsFromSpans(predictions: readonly (readonly EntitySpan[] | null)[], references: readonly (readonly EntitySpan[])[]): EntityResult {
  checkPaired(predictions, references);
  return scoreEntities(
    predictions.map((spans, i) => (spans === null || spans === undefined ? null : checkSpans(spans, `prediction ${i}`))),
    references.map((spans, i) => checkSpans(spans, `reference ${i}`)),
  );
}

function scoreEntities(predictions: readonly (readonly EntitySpan[] | null)[], references: readonly (readonly EntitySpan[])[]): EntityResult {
  const predictedCount = new Map<string, number>();
  const referenceCount = new Map<string, number>();
  const correctCount = new Map<string, number>();
  const add = (counts: Map<string, number>, type: string) => counts.set(type, (counts.get(type) ?? 0) + 1);
  let failures = 0;
  // Entities are sets per sentence (seqeval compares sets of (sentence, type, start, end)); a
  // sentence's sets are small, so each is built and compared on its own.
  references.forEach((spans, sample) => {
    const truth = new Set<string>();
    for (const span of spans) {
      const key = keyOf(span);
      if (truth.has(key)) continue;
      truth.add(key);
      add(referenceCount, span.entity);
    }
    const predicted = predictions[sample] ?? null;
    if (predicted === null) {
      failures++;
      return;
    }
    const seen = new Set<string>();
    for (const span of predicted) {
      const key = keyOf(span);
      if (seen.has(key)) continue;
      seen.add(key);
      add(predictedCount, span.entity);
      if (truth.has(key)) add(correctCount, span.entity);
    }
  });
  const types = [...new Set([...referenceCount.keys(), ...predictedCount.keys()])].sort();
  const perType: Record<string, EntityScores> = {};
  let predictedTotal = 0;
  let referenceTotal = 0;
  let correctTotal = 0;
  for (const type of types) {
    const predicted = predictedCount.get(type) ?? 0;
    const reference = referenceCount.get(type) ?? 0;
    const correct = correctCount.get(type) ?? 0;
    perType[type] = scores(correct, predicted, reference);
    predictedTotal += predicted;
    referenceTotal += reference;
    correctTotal += correct;
  }
  const total = scores(correctTotal, predictedTotal, referenceTotal);
  return {
    entity_precision: total.precision,
    entity_recall: total.recall,
    entity_f1: total.f1,
    per_type: perType,
    predicted_entities: predictedTotal,
    reference_entities: referenceTotal,
    samples: references.length,
    failures,
  };
}

/** seqeval's precision_recall_fscore_support with zero_division=0. */
function scores(correct: number, predicted: number, reference: number): EntityScores {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = reference === 0 ? 0 : correct / reference;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support: reference };
}
