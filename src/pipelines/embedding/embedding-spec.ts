// Which pipelines can give an embedding, and where it is in their output: the one place that makes a
// hub model usable as a backbone for tuning (image heads, prototypes). A registry entry that has an
// `embeds` spec can be a backbone; whether a given repo of that type really can is checked when it loads.
import { ModaError } from '../../errors/moda-error.js';
import type { TaskId } from '../../tasks/catalog.js';

export interface EmbeddingSpec {
  /** The task whose output carries the vector. */
  task: TaskId;
  /** What the backbone takes: a classifier on its vectors takes the same. */
  input: 'image' | 'text';
  /** `embedding`: the output's `embedding`; `best-face`: the `embedding` of the largest face (face models). */
  from: 'embedding' | 'best-face';
  /** configuration.json `model` settings left out when the model only embeds (nets whose outputs the vector does not need). */
  unusedModelSettings?: readonly string[];
}

/** The task a classifier on top of a backbone serves. */
export function classificationTask(spec: EmbeddingSpec): 'image-classification' | 'text-classification' {
  return spec.input === 'image' ? 'image-classification' : 'text-classification';
}

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number' && Number.isFinite(item));
}

/**
 * The vector in one output of the backbone's task; undefined when the input has none (an image
 * without a face). A pooled output that is not a flat vector means the model cannot embed.
 */
export function readEmbedding(spec: EmbeddingSpec, output: unknown): number[] | undefined {
  if (spec.from === 'best-face') {
    if (!Array.isArray(output)) throw new ModaError('MODEL_CANNOT_EMBED', 'the face model did not return a list of faces');
    if (output.length === 0) return undefined;
    // The largest face is the photo's subject (an enrolment photo, a crop around one person): a
    // neighbour cut by the frame can be detected with more confidence yet is not who is meant.
    const faces = output as { box?: { xmin: number; ymin: number; xmax: number; ymax: number }; embedding?: unknown }[];
    const area = (face: (typeof faces)[number]) => (face.box ? (face.box.xmax - face.box.xmin) * (face.box.ymax - face.box.ymin) : 0);
    const embedding = faces.reduce((largest, face) => (area(face) > area(largest) ? face : largest)).embedding;
    if (!isVector(embedding)) throw new ModaError('MODEL_CANNOT_EMBED', 'the face model gives no face descriptor (its configuration.json names no recognition net)');
    return embedding;
  }
  const embedding = (output as { embedding?: unknown } | undefined)?.embedding;
  if (!isVector(embedding)) throw new ModaError('MODEL_CANNOT_EMBED', 'the model did not return one pooled vector per input');
  return embedding;
}
