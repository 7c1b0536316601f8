// `moda run <gguf repo>[:QUANT] "prompt"`: a GGUF model is served by the server (llama.cpp with
// continuous batching), not loaded in the CLI, so `moda run` streams its answer from the server's
// OpenAI chat route, as `ollama run` does. This decides which models go that way.
import { splitModelTag } from '../pipelines/llm/gguf-variant.js';
import type { ModaClient } from '../client/moda-client.js';

/**
 * True for `owner/name:TAG` and for a repo holding `.gguf` files. An unreachable server or an
 * unknown repo answers false: the local path then uses its cached snapshot or reports the error.
 */
export async function servedByServer(client: ModaClient, model: string): Promise<boolean> {
  if (splitModelTag(model).tag !== undefined) return true;
  try {
    const info = await client.repoInfo(model, { type: 'model' });
    return (info.siblings ?? []).some((sibling) => /\.gguf$/i.test(sibling.rfilename));
  } catch {
    return false;
  }
}
