// OpenAI chat and text completion bodies turned into a generation job for a GGUF model: the chat
// (tool calls and results included), response_format as a grammar, tools, logprobs and n.
import type { ChatTurn } from '../../pipelines/pipeline-implementation.js';
import type { ServedModel } from '../../serve/model-cache.js';
import { llmParameters, type LlmJob } from './llm-completion.js';
import { planTools, withTools } from './llm-tools.js';
import { invalidParam, type ChatCompletionRequest, type ChatMessage, type CompletionRequest } from './openai-requests.js';

const DEFAULT_COMPLETION_TOKENS = 16;

type Generating = ServedModel & { model: { generate: NonNullable<ServedModel['model']['generate']> } };

function textOf(message: ChatMessage, index: number): string {
  const content = message.content ?? '';
  if (typeof content === 'string') return content;
  return content
    .map((part, at) => {
      if (part.type !== 'text' || typeof part.text !== 'string') throw invalidParam(`messages[${index}].content[${at}]`, `messages[${index}].content[${at}] is a ${part.type} part; only text parts are supported`);
      return part.text;
    })
    .join('\n');
}

/** OpenAI messages as chat turns: developer is system; tool calls and tool results are written out as text the model reads. */
export function llmChatTurns(messages: readonly ChatMessage[]): ChatTurn[] {
  return messages.map((message, index) => {
    const extra = message as ChatMessage & { tool_calls?: unknown; tool_call_id?: unknown; name?: unknown };
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message, index) };
      case 'user':
        return { role: 'user', content: textOf(message, index) };
      case 'assistant': {
        const calls = Array.isArray(extra.tool_calls) ? extra.tool_calls : [];
        const written = calls.map((call: { function?: { name?: unknown; arguments?: unknown } }) => {
          let parsed: unknown;
          try {
            parsed = typeof call.function?.arguments === 'string' ? JSON.parse(call.function.arguments) : {};
          } catch {
            throw invalidParam(`messages[${index}].tool_calls`, `messages[${index}].tool_calls: arguments must be a JSON string`);
          }
          return JSON.stringify({ name: call.function?.name, arguments: parsed });
        });
        return { role: 'assistant', content: [textOf(message, index), ...written].filter((part) => part !== '').join('\n') };
      }
      case 'tool':
        return { role: 'user', content: `Result of function call ${typeof extra.tool_call_id === 'string' ? extra.tool_call_id : ''}: ${textOf(message, index)}` };
      default:
        throw invalidParam(`messages[${index}].role`, `messages[${index}].role "${message.role}" is not supported; send system, developer, user, assistant or tool messages`);
    }
  });
}

export function llmChatJob(served: Generating, body: ChatCompletionRequest, generate: LlmJob['generate'] = served.model.generate): LlmJob {
  const parameters = llmParameters(body, body.max_completion_tokens ?? body.max_tokens);
  const tools = planTools(body);
  const format = body.response_format?.type ?? 'text';
  if (format === 'json_object') parameters.json_object = true;
  else if (format === 'json_schema') {
    const schema = body.response_format?.json_schema?.schema;
    if (!schema) throw invalidParam('response_format.json_schema.schema', 'response_format json_schema needs json_schema.schema');
    parameters.json_schema = schema;
  } else if (format !== 'text') throw invalidParam('response_format', `response_format ${format} is not supported; text, json_object or json_schema`);
  if (tools && format !== 'text') throw invalidParam('response_format', 'response_format cannot be combined with tools');
  if (tools?.mode === 'force') parameters.json_schema = tools.schema;
  if (body.top_logprobs != null && !body.logprobs) throw invalidParam('top_logprobs', 'top_logprobs needs logprobs: true');
  if (body.logprobs) {
    parameters.logprobs = true;
    parameters.top_logprobs = body.top_logprobs ?? 0;
  }
  const turns = llmChatTurns(body.messages);
  return {
    served,
    generate,
    kind: 'chat',
    prompt: tools ? withTools(turns, tools) : turns,
    parameters,
    n: body.n ?? 1,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    ...(tools && { tools }),
    logprobs: body.logprobs === true,
  };
}

export function llmTextJob(served: Generating, body: CompletionRequest, prompt: string, generate: LlmJob['generate'] = served.model.generate): LlmJob {
  if (body.suffix) throw invalidParam('suffix', 'suffix is not supported');
  if (body.best_of != null && body.best_of !== (body.n ?? 1)) throw invalidParam('best_of', 'best_of must equal n');
  const parameters = llmParameters(body, body.max_tokens ?? DEFAULT_COMPLETION_TOKENS);
  if (body.logprobs != null) {
    if (body.logprobs > 5) throw invalidParam('logprobs', 'logprobs must be from 0 to 5');
    parameters.logprobs = true;
    parameters.top_logprobs = body.logprobs;
  }
  return {
    served,
    generate,
    kind: 'text',
    prompt,
    parameters,
    n: body.n ?? 1,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    ...(body.echo && { echo: prompt }),
    logprobs: body.logprobs != null,
  };
}
