// POST /v1/embeddings: texts through a feature-extraction model, batched with other requests like
// the native API. Vectors use the model's default pooling (mean over the tokens today) and are
// L2-normalised, as OpenAI's are; `encoding_format: base64` sends little-endian float32 bytes, the
// form the official clients ask for by default.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InferenceService } from '../../serve/inference-service.js';
import { clientGone } from '../moda/inference-routes.js';
import { modelErrorFor } from './openai-error.js';
import { EmbeddingRequest, invalidParam, parseRequest } from './openai-requests.js';

function textsOf(input: string | unknown[]): string[] {
  if (typeof input === 'string') return [input];
  return input.map((item, index) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || Array.isArray(item)) throw invalidParam('input', 'token arrays are not supported as input; send the text');
    throw invalidParam(`input[${index}]`, `input[${index}] must be a string`);
  });
}

function base64Of(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export async function createEmbeddings(inference: InferenceService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const body = parseRequest(EmbeddingRequest, request.body);
  if (body.dimensions != null) throw invalidParam('dimensions', "dimensions is not supported: each model returns its own embedding size");
  const texts = textsOf(body.input);
  let result;
  try {
    result = await inference.infer(request.actor, { repoId: body.model, task: 'feature-extraction', inputs: texts, parameters: { normalize: true }, signal: clientGone(reply) });
  } catch (error) {
    throw modelErrorFor(error, body.model, 'a feature-extraction model');
  }
  // Counted in the model's process: its tokenizer is model-controlled (regexes, vocabulary size).
  const tokens = ((await result.served.model.countTokens?.(texts)) ?? []).reduce((total, count) => total + count, 0);
  reply.header('x-model-commit', result.served.commit);
  return {
    object: 'list',
    data: result.outputs.map((output, index) => {
      const vector = (output as { embedding: number[] }).embedding;
      return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Of(vector) : vector };
    }),
    model: result.served.repo,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
