// Per-sample predictions of a run as a JSON-lines artifact of its job (the dataset viewer's row
// shape: one object per row with the same keys), kept in the blob store by its sha256 — the same
// store every replica reads, so the jobs API can serve it wherever the job ran.
import { createHash } from 'node:crypto';
import type { HubContext } from '../hub/context.js';

export interface PredictionRow {
  row_idx: number;
  reference: unknown;
  /** The value compared with the reference (top label, text); null when the sample failed. */
  prediction: string | null;
  /** The reference as the model's label, for classification; null when it maps to none. */
  reference_label?: string | null;
  correct?: boolean;
  error: string | null;
  error_message: string | null;
  /** The model's whole answer in the task's output schema. */
  output: unknown;
  ms: number;
}

export interface JobArtifact {
  name: string;
  oid: string;
  size: number;
  rows: number;
  content_type: string;
}

export const PREDICTIONS_ARTIFACT = 'predictions.jsonl';

export async function storePredictions(hub: HubContext, rows: readonly PredictionRow[], signal?: AbortSignal): Promise<JobArtifact> {
  const bytes = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''), 'utf8');
  const oid = createHash('sha256').update(bytes).digest('hex');
  if (!(await hub.blobs.stat(oid))) await hub.blobs.write([bytes], { oid, size: bytes.length }, signal);
  return { name: PREDICTIONS_ARTIFACT, oid, size: bytes.length, rows: rows.length, content_type: 'application/x-ndjson' };
}
