// Ollama's model endpoints over Moda's hub and model cache: /api/tags lists the GGUF models the
// caller may read, /api/show describes one from its GGUF metadata, /api/ps the loaded ones (size
// includes their KV cache), /api/pull makes a hub model ready to run, /api/embed embeds texts.
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { MAX_PAGE, searchRepos } from '../../hub/repos/search-repos.js';
import type { InferenceService } from '../../serve/inference-service.js';
import type { ServedModel } from '../../serve/model-cache.js';
import { toModaError } from '../../server/error-reply.js';
import { clientGone } from '../moda/inference-routes.js';
import { keepAliveMs, modelIdOf } from './ollama-generate.js';

interface Details {
  parent_model: string;
  format: string;
  family: string;
  families: string[];
  parameter_size: string;
  quantization_level: string;
}

function details(family = '', quant = ''): Details {
  return { parent_model: '', format: 'gguf', family, families: family ? [family] : [], parameter_size: '', quantization_level: quant };
}

export async function ollamaTags(hub: HubContext, request: FastifyRequest): Promise<unknown> {
  const { rows } = await searchRepos(hub, request.actor, { type: 'model', filters: ['gguf'], limit: MAX_PAGE });
  return {
    models: rows.map((row) => ({
      name: `${row.namespace}/${row.name}:latest`,
      model: `${row.namespace}/${row.name}:latest`,
      modified_at: row.last_modified,
      size: 0,
      digest: row.sha ?? '',
      details: details(),
    })),
  };
}

export async function ollamaShow(inference: InferenceService, request: FastifyRequest): Promise<unknown> {
  const body = (request.body ?? {}) as { model?: unknown; name?: unknown };
  const snapshot = await inference.snapshot(request.actor, modelIdOf({ model: body.model ?? body.name }));
  const gguf = snapshot.gguf;
  if (!gguf) throw new ModaError('MODEL_NOT_RUNNABLE', `${snapshot.repo} holds no GGUF model`);
  const { shape } = gguf;
  const arch = shape.architecture;
  return {
    license: '',
    modelfile: `FROM ${snapshot.repo}:${gguf.quant}\n`,
    parameters: '',
    template: '',
    system: '',
    details: details(arch, gguf.quant),
    model_info: {
      'general.architecture': arch,
      [`${arch}.block_count`]: shape.layers,
      [`${arch}.embedding_length`]: shape.width,
      [`${arch}.context_length`]: shape.contextLength,
      [`${arch}.attention.head_count`]: shape.heads,
      [`${arch}.attention.head_count_kv`]: shape.kvHeads,
      'tokenizer.ggml.vocabulary_size': shape.vocabularySize,
    },
    capabilities: shape.task === 'feature-extraction' ? ['embedding'] : ['completion', 'tools'],
    modified_at: new Date().toISOString(),
  };
}

export function ollamaPs(inference: InferenceService): unknown {
  const now = performance.now();
  const models = inference.models.list().filter((served): served is ServedModel & { llm: NonNullable<ServedModel['llm']> } => served.llm !== undefined);
  return {
    models: models.map((served) => {
      const keepAlive = inference.models.keepAliveOf(served);
      const expires = served.pinned || !Number.isFinite(keepAlive) ? '9999-12-31T23:59:59Z' : new Date(Date.now() + Math.max(0, served.lastUsed + keepAlive - now)).toISOString();
      return {
        name: `${served.repo}:${served.llm.quant}`,
        model: `${served.repo}:${served.llm.quant}`,
        size: served.model.memoryBytes,
        digest: served.commit,
        details: details(served.snapshot.gguf?.shape.architecture ?? '', served.llm.quant),
        expires_at: expires,
        size_vram: 0,
        context_length: served.llm.contextSize,
        // Moda's own: the sequences generating together and the KV cache they hold.
        sequences: served.llm.sequences,
        sequences_in_use: Math.min(served.generating ?? 0, served.llm.sequences),
        queued: Math.max(0, (served.generating ?? 0) - served.llm.sequences),
        kv_cache_bytes: served.llm.kvBytesPerSequence * served.llm.sequences,
      };
    }),
  };
}

/** Pull from the hub: the model's files are made ready to load (an upstream pull is `moda pull`). */
export async function ollamaPull(inference: InferenceService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = (request.body ?? {}) as { model?: unknown; name?: unknown; stream?: unknown };
  const id = modelIdOf({ model: body.model ?? body.name });
  const stream = body.stream !== false;
  const ready = async () => {
    const snapshot = await inference.snapshot(request.actor, id);
    if (!snapshot.gguf) throw new ModaError('MODEL_NOT_RUNNABLE', `${snapshot.repo} holds no GGUF model`);
    return snapshot.gguf;
  };
  if (!stream) {
    await ready();
    return { status: 'success' };
  }
  // Errors before the first line get their status; the manifest is the snapshot.
  const gguf = await ready();
  const lines = new PassThrough();
  lines.write(`${JSON.stringify({ status: 'pulling manifest' })}\n`);
  lines.write(`${JSON.stringify({ status: `pulling ${gguf.file}`, digest: gguf.file, total: gguf.bytes, completed: gguf.bytes })}\n`);
  lines.write(`${JSON.stringify({ status: 'verifying sha256 digest' })}\n`);
  lines.write(`${JSON.stringify({ status: 'writing manifest' })}\n`);
  lines.end(`${JSON.stringify({ status: 'success' })}\n`);
  reply.header('content-type', 'application/x-ndjson');
  return reply.send(lines);
}

export async function ollamaEmbed(inference: InferenceService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = (request.body ?? {}) as { model?: unknown; input?: unknown; keep_alive?: unknown };
  const id = modelIdOf(body);
  const texts = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(texts) || texts.length === 0 || texts.some((text) => typeof text !== 'string')) throw new ModaError('VALIDATION_FAILED', 'input must be a string or a list of strings');
  const keepAlive = keepAliveMs(body.keep_alive);
  const started = performance.now();
  let result;
  try {
    result = await inference.infer(request.actor, { repoId: id, task: 'feature-extraction', inputs: texts, parameters: { normalize: true }, signal: clientGone(reply) });
  } catch (error) {
    throw toModaError(error);
  }
  if (keepAlive !== undefined) result.served.keepAliveMs = keepAlive;
  const tokens = ((await result.served.model.countTokens?.(texts as string[])) ?? []).reduce((total, count) => total + count, 0);
  return {
    model: body.model,
    embeddings: result.outputs.map((output) => (output as { embedding: number[] }).embedding),
    total_duration: Math.round((performance.now() - started) * 1e6),
    load_duration: 0,
    prompt_eval_count: tokens,
  };
}
