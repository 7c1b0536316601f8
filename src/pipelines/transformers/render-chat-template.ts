// Renders a model's chat template (tokenizer_config.json `chat_template`, Jinja through
// transformers.js's bundled @huggingface/jinja) within limits, since the template is model data:
// measured on the server thread, nested range() loops took 19–22 s per request and
// range(200000000) ended the process with a V8 fatal out-of-memory error. `range` is replaced by a
// version that shares one item budget across the rendering, the whole rendering runs under a
// wall-clock bound (other loops, e.g. over message text, and deep recursion), and the output
// length is capped. Jinja's render() refuses to redeclare a global, so the template itself is
// prefixed with a top-level `set`, which rebinds `range` in the root scope before any of the
// model's code runs; the prefix renders to nothing (no whitespace around it to trim).
import { ModaError, isModaError } from '../../errors/moda-error.js';
import type { PipelineLimits } from '../limits/pipeline-limits.js';
import { isTimeLimitError, runWithTimeLimit } from '../limits/run-with-time-limit.js';

export interface ChatTemplateTokenizer {
  apply_chat_template(messages: { role: string; content: string }[], options: { tokenize: false; add_generation_prompt: true; chat_template: string } & Record<string, unknown>): unknown;
  /** The template text (the default one when tokenizer_config.json holds several). */
  get_chat_template(options?: { chat_template?: string | null; tools?: unknown }): unknown;
}

const BOUNDED_RANGE = 'moda_bounded_range';
const REBIND_RANGE = `{% set range = ${BOUNDED_RANGE} %}`;

type TemplateLimits = Pick<PipelineLimits, 'chatTemplateTimeoutMs' | 'chatTemplateRangeItems' | 'chatTemplateOutputChars'>;

/**
 * Thrown from inside the rendering instead of an Error: building an Error there costs a stack
 * trace through the template interpreter (measured 1.9 s once under tsx's source maps), inside the
 * time bound.
 */
const RANGE_BUDGET_SPENT = Object.freeze({ reason: 'range budget spent' });
const RANGE_NOT_A_NUMBER = Object.freeze({ reason: 'range argument not a number' });

function limitReached(reason: string): ModaError {
  return new ModaError('CHAT_TEMPLATE_LIMIT', `the model's chat template ${reason}`);
}

/** Jinja's range(stop) / range(start, stop[, step]), counting every item against `budget`. */
function boundedRange(limits: TemplateLimits): (...args: number[]) => number[] {
  let left = limits.chatTemplateRangeItems;
  return (...args: number[]) => {
    const [start, stop, step = 1] = args.length === 1 ? [0, args[0] ?? 0] : args;
    if (![start, stop, step].every((value) => typeof value === 'number' && Number.isFinite(value)) || step === 0) throw RANGE_NOT_A_NUMBER;
    const count = Math.max(0, Math.ceil(((stop as number) - (start as number)) / step));
    left -= count;
    if (left < 0) throw RANGE_BUDGET_SPENT;
    return Array.from({ length: count }, (_, index) => (start as number) + index * step);
  };
}

/** The rendered prompt; CHAT_TEMPLATE_LIMIT when the template runs past a limit, TASK_INPUT_INVALID when it rejects the messages. */
export function renderChatTemplate(tokenizer: ChatTemplateTokenizer, messages: { role: string; content: string }[], limits: TemplateLimits): string {
  let rendered: unknown;
  try {
    const template = tokenizer.get_chat_template();
    if (typeof template !== 'string') throw new ModaError('MODEL_FILE_INVALID', 'the chat template in tokenizer_config.json is not text');
    const options = { tokenize: false, add_generation_prompt: true, chat_template: `${REBIND_RANGE}${template}`, [BOUNDED_RANGE]: boundedRange(limits) } as const;
    rendered = runWithTimeLimit(() => tokenizer.apply_chat_template(messages, options), limits.chatTemplateTimeoutMs);
  } catch (error) {
    if (error === RANGE_BUDGET_SPENT) throw limitReached(`asked range() for more than ${limits.chatTemplateRangeItems} items in one rendering`);
    if (error === RANGE_NOT_A_NUMBER) throw new ModaError('TASK_INPUT_INVALID', 'the chat template called range() with a step of 0 or a value that is not a number');
    if (isModaError(error)) throw error;
    if (isTimeLimitError(error)) throw limitReached(`ran longer than ${limits.chatTemplateTimeoutMs} ms`);
    // Deep recursion or a string past V8's length limit.
    if (error instanceof RangeError) throw limitReached(`ran out of room: ${error.message}`);
    throw new ModaError('TASK_INPUT_INVALID', `the model's chat template rejected the messages: ${(error as Error).message}`, { cause: error });
  }
  if (typeof rendered !== 'string') throw new ModaError('MODEL_INFERENCE_FAILED', 'the chat template did not render to text');
  if (rendered.length > limits.chatTemplateOutputChars) throw limitReached(`rendered ${rendered.length} characters, more than the ${limits.chatTemplateOutputChars} allowed`);
  return rendered;
}
