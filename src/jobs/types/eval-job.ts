// `eval`: evaluates a hub model on a split of a hub dataset (src/evaluation/run-evaluation.ts): both
// pinned to commits at the start, every sample through the serving path, per-sample predictions as
// an artifact, and the results committed to the model repo when the owner may write it. A retry
// runs the whole evaluation again; nothing is committed before the end, so a cancel leaves no trace.
import { defineJobType } from '../job-type.js';
import { EvalParams } from '../../evaluation/eval-params.js';
import { runEvaluation } from '../../evaluation/run-evaluation.js';

export const evalJob = defineJobType({
  type: 'eval',
  description: 'Evaluate a model on a dataset split through the serving path; results become a commit to the model (model-index, .eval_results)',
  paramsSchema: EvalParams,
  maxAttempts: 2,
  backoff: { delayMs: 10_000, factor: 2 },
  run: ({ jobId, params, signal, progress, log, hub, actor, client }) => runEvaluation({ jobId, hub, actor, client, signal, progress, log }, params),
});
