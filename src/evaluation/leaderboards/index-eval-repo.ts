// Reads what a repo contributes to leaderboards at the head of its default branch and stores it:
// a dataset's eval.yaml (its spec, or why it is not a valid benchmark), a model's stated results
// (README model-index and .eval_results/*.yaml). A model's results are keyed by the commit that
// last changed the model itself, so the commit that writes results back (README and
// .eval_results only) files them under the commit that was evaluated, and a commit that changes
// the model turns every earlier result into an "older revision" that stays listed.
import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { EvalResultsTable } from '../../db/schema.js';
import { detectLayout } from '../../datasets/detect-layout.js';
import { isModaError, ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { gitText } from '../../hub/git.js';
import { listFiles, readBlobs, type RepoFile } from '../../hub/list-files.js';
import { parseModelCard } from '../../hub/model-card.js';
import { readRef } from '../../hub/refs.js';
import type { RepoRecord } from '../../hub/repos/repo-record.js';
import { EVAL_SPEC_PATH, parseEvalSpec, type BenchmarkSpec } from './parse-eval-spec.js';
import { resultsOfEvalResultsFile, resultsOfModelIndex, type StatedResult } from './read-model-results.js';

const EVAL_RESULTS_DIR = '.eval_results/';
const README = 'README.md';
/** Result files past this size are not read (a results file is a few hundred bytes). */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_RESULT_FILES = 200;

/** Indexes `repo` at the head of its default branch unless that head is already indexed. */
export async function indexEvalRepo(hub: HubContext, repo: RepoRecord): Promise<void> {
  const head = await readRef(repo.gitDir, `refs/heads/${repo.row.default_branch}`);
  if (!head) return;
  const indexed = await hub.db.selectFrom('eval_indexed_repos').select('head').where('repo_id', '=', repo.id).executeTakeFirst();
  if (indexed?.head === head) return;
  const files = await listFiles(repo.gitDir, head);
  if (repo.type === 'dataset') await indexBenchmark(hub, repo, head, files);
  else await indexModelResults(hub, repo, head, files);
  await hub.db
    .insertInto('eval_indexed_repos')
    .values({ repo_id: repo.id, head })
    .onConflict((conflict) => conflict.column('repo_id').doUpdateSet({ head }))
    .execute();
}

async function readTexts(repo: RepoRecord, files: readonly RepoFile[]): Promise<Map<string, string>> {
  const small = files.filter((file) => !file.lfs && file.size <= MAX_FILE_BYTES);
  const contents = await readBlobs(repo.gitDir, small.map((file) => file.blobId));
  return new Map(small.map((file) => [file.path, contents.get(file.blobId)?.toString('utf8') ?? '']));
}

async function indexBenchmark(hub: HubContext, repo: RepoRecord, head: string, files: readonly RepoFile[]): Promise<void> {
  const specFile = files.find((file) => file.path === EVAL_SPEC_PATH);
  if (!specFile) {
    await hub.db.deleteFrom('benchmarks').where('repo_id', '=', repo.id).execute();
    return;
  }
  let spec: BenchmarkSpec | undefined;
  let error: { code: string; message: string } | undefined;
  if (specFile.lfs || specFile.size > MAX_FILE_BYTES) {
    error = { code: 'BENCHMARK_INVALID', message: `eval.yaml: larger than ${MAX_FILE_BYTES} bytes or stored in LFS` };
  } else {
    const texts = await readTexts(repo, files.filter((file) => file.path === EVAL_SPEC_PATH || file.path === README));
    try {
      spec = parseEvalSpec(texts.get(EVAL_SPEC_PATH) ?? '');
      checkSplits(spec, files, texts.get(README));
    } catch (caught) {
      if (!isModaError(caught)) throw caught;
      spec = undefined;
      error = { code: caught.code, message: caught.message };
    }
  }
  const row = { head, spec: spec ? JSON.stringify(spec) : null, error_code: error?.code ?? null, error_message: error?.message ?? null, indexed_at: new Date().toISOString() };
  await hub.db
    .insertInto('benchmarks')
    .values({ repo_id: repo.id, ...row })
    .onConflict((conflict) => conflict.column('repo_id').doUpdateSet(row))
    .execute();
}

/** Every task's config and split must exist in the dataset as the viewer reads it. */
function checkSplits(spec: BenchmarkSpec, files: readonly RepoFile[], readme: string | undefined): void {
  // A dataset layout the viewer cannot read is reported with the viewer's own code.
  const layout = detectLayout(
    files.map((file) => file.path),
    readme ? parseModelCard(readme).data : {},
  );
  for (const task of spec.tasks) {
    const config = layout.configs.find((entry) => entry.config === task.config);
    if (!config) {
      throw new ModaError('BENCHMARK_SPLIT_NOT_FOUND', `eval.yaml: task ${task.id} names config ${task.config}, which the dataset does not have (configs: ${layout.configs.map((entry) => entry.config).join(', ')})`);
    }
    if (!config.splits.some((split) => split.split === task.split)) {
      throw new ModaError('BENCHMARK_SPLIT_NOT_FOUND', `eval.yaml: task ${task.id} names split ${task.split} of config ${task.config}, which does not exist (splits: ${config.splits.map((split) => split.split).join(', ')})`);
    }
  }
}

/** The last commit up to `head` that changed anything but README.md and .eval_results/. */
async function modelCommitOf(repo: RepoRecord, head: string): Promise<string> {
  const last = (await gitText(repo.gitDir, ['log', '-1', '--format=%H', head, '--', '.', `:(exclude)${README}`, ':(exclude).eval_results'])).trim();
  return last || head;
}

async function commitDate(repo: RepoRecord, commit: string): Promise<string> {
  const seconds = Number((await gitText(repo.gitDir, ['show', '-s', '--format=%ct', commit])).trim());
  return new Date(seconds * 1000).toISOString();
}

async function indexModelResults(hub: HubContext, repo: RepoRecord, head: string, files: readonly RepoFile[]): Promise<void> {
  const resultFiles = files.filter((file) => file.path.startsWith(EVAL_RESULTS_DIR) && /\.ya?ml$/.test(file.path)).slice(0, MAX_RESULT_FILES);
  const readme = files.find((file) => file.path === README);
  const texts = await readTexts(repo, readme ? [readme, ...resultFiles] : resultFiles);
  const stated: StatedResult[] = [];
  const card = texts.get(README);
  if (card !== undefined) stated.push(...resultsOfModelIndex(parseModelCard(card).data).results);
  for (const file of resultFiles) {
    const content = texts.get(file.path);
    if (content !== undefined) stated.push(...resultsOfEvalResultsFile(content).results);
  }
  const modelCommit = await modelCommitOf(repo, head);
  const foundDate = stated.some((result) => result.date === null) ? await commitDate(repo, head) : '';
  const rows = new Map<string, Insertable<EvalResultsTable>>();
  for (const result of stated) {
    // A result naming its evaluated commit belongs to that commit; others describe the model as it is.
    const commit = result.modelCommit ?? modelCommit;
    const key = [repo.id, commit, result.origin, result.benchmark, result.taskId, result.config, result.split, result.metric].join('\0');
    const id = createHash('sha256').update(key).digest('hex').slice(0, 40);
    rows.set(id, {
      id,
      model_repo_id: repo.id,
      model_commit: commit,
      found_in: head,
      current: commit === modelCommit ? 1 : 0,
      benchmark: result.benchmark,
      origin: result.origin,
      task_id: result.taskId,
      config: result.config,
      split: result.split,
      metric: result.metric,
      value: result.value,
      claims_verified: result.claimsVerified ? 1 : 0,
      job_id: result.jobId,
      source_url: result.sourceUrl,
      source_name: result.sourceName,
      date: result.date ?? foundDate,
      dataset_revision: result.datasetRevision,
    });
  }
  // What the head states about a commit replaces what earlier heads stated about it (a corrected or
  // withdrawn number); results about other commits stay, as older revisions.
  const restated = [...new Set([modelCommit, ...[...rows.values()].map((row) => row.model_commit)])];
  await hub.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('eval_results').where('model_repo_id', '=', repo.id).where('model_commit', 'in', restated).execute();
    await trx.updateTable('eval_results').set({ current: 0 }).where('model_repo_id', '=', repo.id).execute();
    const values = [...rows.values()];
    for (let start = 0; start < values.length; start += 200) await trx.insertInto('eval_results').values(values.slice(start, start + 200)).execute();
  });
}
