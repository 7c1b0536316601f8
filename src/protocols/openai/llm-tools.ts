// OpenAI tool calling over a GGUF model. `tool_choice: "required"` or a named function constrains
// the answer by grammar to `{"name": …, "arguments": {…}}` of the offered tools, so a call always
// parses and matches its parameters' schema; `auto` describes the tools in the system prompt and
// takes an answer that is exactly such an object as a call, anything else as text.
import { randomUUID } from 'node:crypto';
import type { ChatTurn } from '../../pipelines/pipeline-implementation.js';
import { invalidParam, type ChatCompletionRequest } from './openai-requests.js';

export interface ToolFunction {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolPlan {
  tools: ToolFunction[];
  /** 'force': the answer is a call (grammar); 'auto': it may be. */
  mode: 'force' | 'auto';
  /** The grammar's JSON schema when forced. */
  schema?: Record<string, unknown>;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function toolsOf(raw: readonly unknown[]): ToolFunction[] {
  return raw.map((tool, index) => {
    const entry = tool as { type?: unknown; function?: { name?: unknown; description?: unknown; parameters?: unknown } };
    if (entry?.type !== 'function' || typeof entry.function !== 'object' || entry.function === null) throw invalidParam(`tools[${index}]`, `tools[${index}] must be {"type": "function", "function": {...}}`);
    const { name, description, parameters } = entry.function;
    if (typeof name !== 'string' || !NAME.test(name)) throw invalidParam(`tools[${index}].function.name`, `tools[${index}].function.name must be 1-64 letters, digits, _ or -`);
    if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) throw invalidParam(`tools[${index}].function.parameters`, `tools[${index}].function.parameters must be a JSON Schema object`);
    return { name, ...(typeof description === 'string' && { description }), parameters: (parameters as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} } };
  });
}

function callSchema(tool: ToolFunction): Record<string, unknown> {
  return { type: 'object', properties: { name: { enum: [tool.name] }, arguments: tool.parameters }, required: ['name', 'arguments'] };
}

/** What the request's tools and tool_choice ask for; undefined when no tool may be called. */
export function planTools(body: ChatCompletionRequest): ToolPlan | undefined {
  if (body.functions?.length) throw invalidParam('functions', 'functions is deprecated; send tools');
  if (!body.tools?.length) {
    if (body.tool_choice != null && body.tool_choice !== 'none' && body.tool_choice !== 'auto') throw invalidParam('tool_choice', 'tool_choice needs tools');
    return undefined;
  }
  const tools = toolsOf(body.tools);
  const choice = body.tool_choice ?? 'auto';
  if (choice === 'none') return undefined;
  if (choice === 'auto') return { tools, mode: 'auto' };
  if (choice === 'required') return { tools, mode: 'force', schema: tools.length === 1 ? callSchema(tools[0] as ToolFunction) : { oneOf: tools.map(callSchema) } };
  if (typeof choice === 'string') throw invalidParam('tool_choice', 'tool_choice must be none, auto, required or {"type": "function", "function": {"name": …}}');
  const named = tools.find((tool) => tool.name === choice.function.name);
  if (!named) throw invalidParam('tool_choice', `tool_choice names ${choice.function.name}, which is not among the tools`);
  return { tools, mode: 'force', schema: callSchema(named) };
}

/** The system text that tells the model which functions it may call and how. */
export function toolsSystemText(plan: ToolPlan): string {
  const list = plan.tools.map((tool) => JSON.stringify({ name: tool.name, description: tool.description ?? '', parameters: tool.parameters })).join('\n');
  return `You may call one of these functions. To call one, answer with only a JSON object {"name": <function name>, "arguments": <arguments object>}.\n${list}`;
}

/** The chat with the tools' description added to its system message (or a new one first). */
export function withTools(turns: readonly ChatTurn[], plan: ToolPlan): ChatTurn[] {
  const text = toolsSystemText(plan);
  const [first, ...rest] = turns;
  if (first?.role === 'system') return [{ role: 'system', content: `${first.content}\n\n${text}` }, ...rest];
  return [{ role: 'system', content: text }, ...turns];
}

/** The call an answer is, if it is one: a JSON object naming an offered function with an arguments object. */
export function parseToolCall(text: string, plan: ToolPlan): ToolCall | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim());
  } catch {
    return undefined;
  }
  const call = parsed as { name?: unknown; arguments?: unknown };
  if (typeof call !== 'object' || call === null || typeof call.name !== 'string' || !plan.tools.some((tool) => tool.name === call.name)) return undefined;
  if (typeof call.arguments !== 'object' || call.arguments === null || Array.isArray(call.arguments)) return undefined;
  return { id: `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
}
