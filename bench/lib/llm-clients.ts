// Streaming chat clients of the LLM benchmark: each posts one `/v1/chat/completions` request with
// `stream: true` to Moda and reads the SSE answer to its end, noting when the first text arrived
// and the exact completion tokens from the usage chunk.
import { sseData } from '../../src/client/sse-data.js';

export interface StreamedAnswer {
  tokens: number;
  firstTokenMs: number;
}

/** Greedy with the tiny vocabulary's end tokens (</s> = 2, <|im_end|> = 4) banned: every answer runs to max_tokens. */
export const NO_END = { '2': -100, '4': -100 };

export async function streamAnswer(url: string, token: string, model: string, prompt: string, maxTokens: number): Promise<StreamedAnswer> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, temperature: 0, logit_bias: NO_END, stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok || !response.body) throw new Error(`chat: ${response.status} ${await response.text()}`);
  let firstTokenMs = 0;
  let tokens = 0;
  for await (const data of sseData(response.body)) {
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[]; usage?: { completion_tokens: number } | null; error?: { message: string } };
    if (chunk.error) throw new Error(`chat stream: ${chunk.error.message}`);
    if (firstTokenMs === 0 && chunk.choices?.[0]?.delta?.content) firstTokenMs = performance.now() - started;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  return { tokens, firstTokenMs };
}
