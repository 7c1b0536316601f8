// The moment a streamed LLM answer (OpenAI SSE, Ollama NDJSON) sends its headers: with its first
// text, so headers and that text leave in one write and the client is not woken for an empty chunk
// while the prompt is evaluated; an answer that started but shows no text for HEADERS_WAIT_MS (a
// tool call held back whole) sends them alone. A failure before either is still an HTTP error.

/** How long a started answer without text waits before its headers are sent alone. */
export const HEADERS_WAIT_MS = 1000;

export interface FirstTextGate {
  /** The generation started (the prompt is being evaluated): the wait for text begins. */
  started(): void;
  /** Text was written: the headers go with it. */
  text(): void;
  /** Resolves when the headers should go, or settles with `generation` if it ends first. */
  until(generation: Promise<unknown>): Promise<unknown>;
}

export function firstTextGate(waitMs = HEADERS_WAIT_MS): FirstTextGate {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  let timer: NodeJS.Timeout | undefined;
  return {
    started: () => {
      timer ??= setTimeout(open, waitMs);
    },
    text: () => open(),
    until: (generation) => Promise.race([opened, generation]).finally(() => clearTimeout(timer)),
  };
}
