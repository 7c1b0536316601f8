// The request bodies of the OpenAI endpoints Moda serves, as schemas, and the one way a body is
// checked against them. Fields OpenAI defines that Moda cannot honour are accepted by the schema and
// refused by the handlers with a message naming them; unknown fields are ignored, as OpenAI's own
// clients send new ones before servers know them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { ModaError } from '../../errors/moda-error.js';
import { describeSchemaFailure, taskAjv } from '../../tasks/task-ajv.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const ContentPart = Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) });

export const ChatMessage = Type.Object({
  role: Type.String(),
  content: Nullable(Type.Union([Type.String(), Type.Array(ContentPart)])),
});
export type ChatMessage = Static<typeof ChatMessage>;

/** Sampling and limits shared by chat and text completions. */
const generationFields = {
  model: Type.String({ minLength: 1 }),
  max_tokens: Nullable(Type.Integer({ minimum: 1 })),
  temperature: Nullable(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  /** Not OpenAI's; vLLM and others take it. */
  top_k: Nullable(Type.Integer({ minimum: 1 })),
  stop: Nullable(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { maxItems: 16 })])),
  seed: Nullable(Type.Integer()),
  n: Nullable(Type.Integer({ minimum: 1 })),
  stream: Nullable(Type.Boolean()),
  stream_options: Nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) })),
  frequency_penalty: Nullable(Type.Number()),
  presence_penalty: Nullable(Type.Number()),
  logit_bias: Nullable(Type.Record(Type.String(), Type.Number())),
};

export const ChatCompletionRequest = Type.Object({
  ...generationFields,
  messages: Type.Array(ChatMessage, { minItems: 1 }),
  max_completion_tokens: Nullable(Type.Integer({ minimum: 1 })),
  logprobs: Nullable(Type.Boolean()),
  top_logprobs: Nullable(Type.Integer({ minimum: 0, maximum: 20 })),
  tools: Nullable(Type.Array(Type.Unknown())),
  functions: Nullable(Type.Array(Type.Unknown())),
  response_format: Nullable(
    Type.Object({
      type: Type.String(),
      json_schema: Type.Optional(Type.Object({ name: Type.Optional(Type.String()), schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())), strict: Nullable(Type.Boolean()) })),
    }),
  ),
  tool_choice: Nullable(Type.Union([Type.String(), Type.Object({ type: Type.String(), function: Type.Object({ name: Type.String() }) })])),
  parallel_tool_calls: Nullable(Type.Boolean()),
});
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

export const CompletionRequest = Type.Object({
  ...generationFields,
  prompt: Type.Union([Type.String(), Type.Array(Type.Unknown(), { minItems: 1 })]),
  echo: Nullable(Type.Boolean()),
  suffix: Nullable(Type.String()),
  best_of: Nullable(Type.Integer({ minimum: 1 })),
  logprobs: Nullable(Type.Integer({ minimum: 0 })),
});
export type CompletionRequest = Static<typeof CompletionRequest>;

export const EmbeddingRequest = Type.Object({
  model: Type.String({ minLength: 1 }),
  input: Type.Union([Type.String(), Type.Array(Type.Unknown(), { minItems: 1 })]),
  encoding_format: Nullable(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
  dimensions: Nullable(Type.Integer({ minimum: 1 })),
  user: Nullable(Type.String()),
});
export type EmbeddingRequest = Static<typeof EmbeddingRequest>;

/** A JSON Pointer as OpenAI names a parameter: /messages/0/content → messages[0].content. */
export function paramOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, segment) => (/^\d+$/.test(segment) ? `${name}[${segment}]` : name === '' ? segment : `${name}.${segment}`), '');
}

/** A client error about one request field, with the field in the OpenAI envelope's `param`. */
export function invalidParam(param: string, message: string): ModaError {
  return new ModaError('VALIDATION_FAILED', message, { details: { param } });
}

const validators = new WeakMap<TSchema, ValidateFunction>();

export function parseRequest<T extends TSchema>(schema: T, body: unknown): Static<T> {
  let validate = validators.get(schema);
  if (!validate) {
    validate = taskAjv.compile(schema);
    validators.set(schema, validate);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ModaError('BAD_REQUEST', 'the body must be a JSON object');
  if (!validate(body)) {
    const failure = describeSchemaFailure(validate.errors ?? []);
    const param = paramOf(failure.path);
    throw invalidParam(param, failure.message.replace(failure.path || '/', param || 'the body'));
  }
  return body as Static<T>;
}
