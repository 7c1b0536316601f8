// One streamed answer of `moda run`/`moda chat` on a GGUF (text-generation) model: the text goes to
// stdout as it arrives, and a line of figures (tokens, tokens/s, time to first token) to stderr
// when asked. A turn stopped by its signal returns what had arrived, marked as interrupted.
import { ModaError } from '../errors/moda-error.js';
import { streamChat, type ChatMessage, type ChatServer, type ChatUsage } from '../client/stream-chat.js';
import { printLine, type CliIo } from './cli-context.js';

export interface TurnResult {
  text: string;
  interrupted: boolean;
  finishReason: string | null;
  usage: ChatUsage | null;
}

export function formatStats(usage: ChatUsage | null, firstTokenMs: number | null, totalMs: number): string {
  const parts: string[] = [];
  if (usage) {
    parts.push(`prompt ${usage.prompt_tokens} tokens`, `answer ${usage.completion_tokens} tokens in ${(totalMs / 1000).toFixed(2)} s`);
    // Decode speed, as Ollama's eval rate: the tokens after the first over the time after it.
    const decodeMs = firstTokenMs === null ? 0 : totalMs - firstTokenMs;
    if (usage.completion_tokens > 1 && decodeMs > 0) parts.push(`${((usage.completion_tokens - 1) / (decodeMs / 1000)).toFixed(1)} tokens/s`);
  }
  if (firstTokenMs !== null) parts.push(`first token after ${Math.round(firstTokenMs)} ms`);
  return parts.join(' · ');
}

export async function answerTurn(io: CliIo, server: ChatServer, model: string, messages: readonly ChatMessage[], extra: Record<string, unknown>, options: { signal: AbortSignal; stats: boolean }): Promise<TurnResult> {
  let text = '';
  let endsWithNewline = true;
  const result: TurnResult = { text: '', interrupted: false, finishReason: null, usage: null };
  try {
    for await (const event of streamChat(server, model, messages, extra, options.signal)) {
      if (event.event === 'delta') {
        text += event.text;
        io.stdout.write(event.text);
        endsWithNewline = event.text.endsWith('\n');
      } else {
        result.finishReason = event.finishReason;
        result.usage = event.usage;
        if (!endsWithNewline) io.stdout.write('\n');
        endsWithNewline = true;
        if (options.stats) printLine(io.stderr, formatStats(event.usage, event.firstTokenMs, event.totalMs));
      }
    }
  } catch (error) {
    if (!options.signal.aborted) throw error;
  }
  if (options.signal.aborted) {
    if (!endsWithNewline) io.stdout.write('\n');
    result.interrupted = true;
  }
  result.text = text;
  return result;
}

/** `--parameters '{"max_tokens":64,"temperature":0}'`: extra OpenAI chat parameters, a JSON object. */
export function chatParameters(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ModaError('VALIDATION_FAILED', '--parameters must be a JSON object of OpenAI chat parameters, e.g. \'{"max_tokens":64}\'', { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', '--parameters must be a JSON object of OpenAI chat parameters');
  const parameters = { ...(value as Record<string, unknown>) };
  for (const owned of ['model', 'messages', 'stream', 'stream_options']) delete parameters[owned];
  return parameters;
}
