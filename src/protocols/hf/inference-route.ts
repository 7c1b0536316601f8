// The Hugging Face Inference API shape, for `@huggingface/inference` given
// `endpointUrl: <moda>/models/{owner}/{name}` and for scripts written against api-inference:
// `POST /models/{owner}/{name}[/pipeline/{task}]` with `{inputs, parameters?, options?}` JSON or a
// raw image/audio body, answered in the shape the hosted API gives each task. Text generation and
// chat go where the client sends them under the same base, `…/v1/completions` and
// `…/v1/chat/completions`. Every request runs through InferenceService, so rights, batching and
// deployments apply; errors keep the default `{error: "message"}` body the client reads.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { Actor } from '../../hub/actor.js';
import type { HubContext } from '../../hub/context.js';
import { planModel } from '../../runtime/load-model.js';
import type { InferenceService } from '../../serve/inference-service.js';
import { getTask, type TaskId } from '../../tasks/catalog.js';
import { clientGone, refuseWhenQueueFull, requestDeadline } from '../moda/inference-routes.js';
import { createChatCompletion, createTextCompletion } from '../openai/create-completion.js';

interface HfBody {
  inputs?: unknown;
  parameters?: unknown;
  /** `{wait_for_model, use_cache}`: models load on the first request and results are never cached, so both are moot. */
  options?: unknown;
  /** feature-extraction takes these at the top level (text-embeddings-inference style). */
  normalize?: unknown;
  pooling?: unknown;
}

interface RouteParams {
  owner: string;
  name: string;
  task?: string;
}

interface Entity {
  entity: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

interface EntityGroup {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

type Parameters = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isSimilarityInput(value: unknown): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  return isObject(first) && 'source_sentence' in first && 'sentences' in first;
}

/**
 * The task a request runs. The client puts no task in the URL, so the body's shape decides where
 * the same weights serve two tasks, as hf-inference does: `{source_sentence, sentences}` is
 * sentence similarity and plain text on a sentence-similarity repo is feature extraction;
 * `candidate_labels` on a classifier is zero-shot classification.
 */
async function chooseTask(inference: InferenceService, actor: Actor, repoId: string, body: HfBody, parameters: Parameters): Promise<TaskId> {
  if (isSimilarityInput(body.inputs)) return 'sentence-similarity';
  const own = (await inference.deployed(repoId))?.task ?? (await planModel(await inference.snapshot(actor, repoId))).task;
  if (own === 'sentence-similarity') return 'feature-extraction';
  if (own === 'text-classification' && parameters.candidate_labels !== undefined) return 'zero-shot-classification';
  return own;
}

/** Body parameters as Moda's task expects them; `return_full_text` is applied here, not by the model. */
function taskParameters(task: string, body: HfBody): { parameters: Parameters; returnFullText: boolean } {
  if (body.parameters !== undefined && !isObject(body.parameters)) throw new ModaError('TASK_INPUT_INVALID', '"parameters" must be a JSON object', { details: { path: '/parameters' } });
  const parameters: Parameters = { ...body.parameters };
  if (task === 'feature-extraction') {
    if (body.normalize !== undefined) parameters.normalize = body.normalize;
    if (body.pooling !== undefined) parameters.pooling = body.pooling;
  }
  let returnFullText = false;
  if (task === 'text-generation') {
    // The hosted API prepends the prompt unless told not to; Moda's model returns only new text.
    returnFullText = parameters.return_full_text !== false;
    delete parameters.return_full_text;
  }
  return { parameters, returnFullText };
}

/** zero-shot-image-classification sends `{image: base64}` where Moda takes the image itself. */
function taskInput(task: TaskId, input: unknown): unknown {
  const media = (getTask(task).input as { 'x-media'?: string })['x-media'];
  if (media === 'image' && isObject(input) && Object.keys(input).length === 1 && 'image' in input) return input.image;
  return input;
}

/**
 * Hugging Face's "simple" aggregation over Moda's per-word entities: an `I-X` word joins the group
 * of type X just before it when only whitespace lies between them (words tagged O are not in the
 * output, so whitespace is how adjacency shows); the label loses its B-/I- prefix and the score is
 * the mean over the group's words (Moda has already averaged word pieces).
 */
function groupEntities(text: string, entities: readonly Entity[]): EntityGroup[] {
  const groups: (EntityGroup & { scores: number[] })[] = [];
  for (const entity of entities) {
    const match = /^([BI])-(.+)$/.exec(entity.entity);
    const tag = match?.[2] ?? entity.entity;
    const previous = groups.at(-1);
    if (match?.[1] === 'I' && previous?.entity_group === tag && text.slice(previous.end, entity.start).trim() === '') {
      previous.word += text.slice(previous.end, entity.start) + entity.word;
      previous.end = entity.end;
      previous.scores.push(entity.score);
      previous.score = previous.scores.reduce((sum, score) => sum + score, 0) / previous.scores.length;
    } else {
      groups.push({ entity_group: tag, score: entity.score, word: entity.word, start: entity.start, end: entity.end, scores: [entity.score] });
    }
  }
  return groups.map(({ entity_group, score, word, start, end }) => ({ entity_group, score, word, start, end }));
}

/** One input's Moda output in the hosted API's shape for the task. */
function hfOutput(task: TaskId, output: unknown, input: unknown, parameters: Parameters, returnFullText: boolean): unknown {
  switch (task) {
    case 'token-classification': {
      const entities = output as Entity[];
      if (parameters.aggregation_strategy === 'none') return entities;
      return groupEntities(input as string, entities);
    }
    case 'feature-extraction':
      return (output as { embedding: unknown }).embedding;
    case 'sentence-similarity':
      return (output as { scores: number[] }).scores;
    case 'text-generation': {
      const { generated_text } = output as { generated_text: string };
      return { generated_text: returnFullText && typeof input === 'string' ? input + generated_text : generated_text };
    }
    case 'object-detection':
      return (output as { label: string; score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number } }[]).map(({ label, score, box }) => ({
        label,
        score,
        box: { xmin: box.xmin, ymin: box.ymin, xmax: box.xmax, ymax: box.ymax },
      }));
    case 'image-segmentation':
      // The client accepts a number or no score, not null (semantic segments have none).
      return (output as { label: string; score: number | null; mask: string }[]).map(({ label, score, mask }) => (score === null ? { label, mask } : { label, score, mask }));
    default:
      return output;
  }
}

/**
 * The whole answer. Text classification is a list per input even for one (`[[{label, score}]]`);
 * text-to-text tasks give a flat list of `{…_text}` objects; text generation a list per input;
 * everything else the one result, or a list of them for a batch.
 */
function hfAnswer(task: TaskId, results: readonly unknown[], batch: boolean): unknown {
  switch (task) {
    case 'text-classification':
    case 'summarization':
    case 'translation':
    case 'text2text-generation':
      return results;
    case 'text-generation':
      return batch ? results.map((result) => [result]) : results;
    default:
      return batch ? results : results[0];
  }
}

async function runPipeline(inference: InferenceService, request: FastifyRequest<{ Params: RouteParams }>, reply: FastifyReply): Promise<unknown> {
  const repoId = `${request.params.owner}/${request.params.name}`;
  const raw = Buffer.isBuffer(request.body);
  const body: HfBody = raw ? { inputs: new Uint8Array(request.body as Buffer) } : ((request.body ?? {}) as HfBody);
  if (!raw && (!isObject(body) || body.inputs === undefined)) throw new ModaError('TASK_INPUT_INVALID', 'the body must be a JSON object with "inputs", or the raw bytes of an image or audio file', { details: { path: '/inputs' } });
  const bodyParameters = isObject(body.parameters) ? body.parameters : {};
  const task = (request.params.task as TaskId | undefined) ?? (await chooseTask(inference, request.actor, repoId, body, bodyParameters));
  const { parameters, returnFullText } = taskParameters(task, body);
  const batch = Array.isArray(body.inputs);
  const inputs = (batch ? (body.inputs as unknown[]) : [body.inputs]).map((input) => taskInput(task, input));
  const deadline = requestDeadline(request);
  const result = await inference.infer(request.actor, {
    repoId,
    task,
    inputs,
    parameters,
    signal: clientGone(reply),
    ...(deadline !== undefined && { deadline }),
  });
  reply.header('x-model-commit', result.served.commit);
  reply.header('server-timing', `inference;dur=${result.inferenceMs.toFixed(1)}`);
  if (result.served.task === 'text-to-speech' && !batch) {
    // The hosted API answers speech with the audio file itself, which the client returns as a Blob.
    const { audio } = result.outputs[0] as { audio: string };
    return reply.type('audio/wav').send(Buffer.from(audio, 'base64'));
  }
  const results = result.outputs.map((output, index) => hfOutput(result.served.task, output, inputs[index], parameters, returnFullText));
  return hfAnswer(result.served.task, results, batch);
}

/** The OpenAI-style generation endpoints under a model's base URL, where the client's model field holds that URL. */
function withModel(request: FastifyRequest<{ Params: RouteParams }>): void {
  if (!isObject(request.body)) throw new ModaError('BAD_REQUEST', 'the body must be a JSON object');
  request.body = { ...request.body, model: `${request.params.owner}/${request.params.name}` };
}

export function registerHfInferenceRoutes(app: FastifyInstance, hub: HubContext, inference: InferenceService): void {
  void app.register(async (scope) => {
    const bodyLimit = hub.config.maxInferenceBytes;
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, text, done) => {
      try {
        done(null, text === '' ? {} : JSON.parse(text as string));
      } catch (error) {
        done(new ModaError('BAD_REQUEST', 'malformed JSON body', { cause: error }), undefined);
      }
    });
    // Anything else is the media itself, as the hosted API takes it: a Blob without a type arrives
    // with no Content-Type at all.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

    // Media bodies name no revision or task of their own, so a full queue refuses them unread.
    const onRequest = refuseWhenQueueFull(inference, (type) => type !== 'application/json');
    scope.post<{ Params: RouteParams }>('/models/:owner/:name', { bodyLimit, onRequest }, (request, reply) => runPipeline(inference, request, reply));
    scope.post<{ Params: RouteParams }>('/models/:owner/:name/pipeline/:task', { bodyLimit, onRequest }, (request, reply) => runPipeline(inference, request, reply));
    scope.post<{ Params: RouteParams }>('/models/:owner/:name/v1/completions', { bodyLimit }, (request, reply) => {
      withModel(request);
      return createTextCompletion(inference, request, reply);
    });
    scope.post<{ Params: RouteParams }>('/models/:owner/:name/v1/chat/completions', { bodyLimit }, (request, reply) => {
      withModel(request);
      return createChatCompletion(inference, request, reply);
    });
  });
}
