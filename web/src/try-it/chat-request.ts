// The chat playground's settings as OpenAI chat parameters: numbers only when given, stop
// sequences one per line (OpenAI takes at most 4), and JSON mode as `response_format`.
import { FormValueError } from './form-values.js';

export type JsonMode = 'off' | 'object' | 'schema';

export interface ChatSettings {
  system: string;
  temperature: string;
  topP: string;
  maxTokens: string;
  stop: string;
  json: JsonMode;
  schema: string;
}

export const DEFAULT_SETTINGS: ChatSettings = { system: '', temperature: '0.7', topP: '', maxTokens: '256', stop: '', json: 'off', schema: '{\n  "type": "object",\n  "properties": { "answer": { "type": "string" } },\n  "required": ["answer"]\n}' };

function number(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  // The server validates ranges and says which parameter is wrong; a non-number goes as text so it does too.
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : (value as unknown as number);
}

export function chatParameters(settings: ChatSettings, schemaInvalid: string): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  const temperature = number(settings.temperature);
  const topP = number(settings.topP);
  const maxTokens = number(settings.maxTokens);
  if (temperature !== undefined) parameters.temperature = temperature;
  if (topP !== undefined) parameters.top_p = topP;
  if (maxTokens !== undefined) parameters.max_tokens = maxTokens;
  const stop = settings.stop.split('\n').filter((line) => line !== '');
  if (stop.length > 0) parameters.stop = stop;
  if (settings.json === 'object') parameters.response_format = { type: 'json_object' };
  if (settings.json === 'schema') {
    let schema: unknown;
    try {
      schema = JSON.parse(settings.schema);
    } catch {
      throw new FormValueError(schemaInvalid, 'schema');
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new FormValueError(schemaInvalid, 'schema');
    parameters.response_format = { type: 'json_schema', json_schema: { name: 'playground', schema, strict: true } };
  }
  return parameters;
}
