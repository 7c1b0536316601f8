// `moda chat <model>`: an interactive chat in the terminal with a model the server serves, as
// `ollama run` does: the conversation is kept and sent with each turn, `--system` sets the system
// prompt, `/clear` forgets the conversation, `/bye` (or end of input) leaves, and Ctrl-C stops the
// answer being written without leaving. Lines read from a pipe work the same, one turn per line.
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { isModaError } from '../../errors/moda-error.js';
import type { ChatMessage } from '../../client/stream-chat.js';
import { answerTurn, chatParameters } from '../chat-turn.js';
import { clientFor, printLine, type CliIo } from '../cli-context.js';

interface ChatOptions {
  system?: string;
  parameters?: string;
  verbose?: boolean;
}

const HELP = 'Commands: /clear forgets the conversation, /bye leaves (so does Ctrl-D); Ctrl-C stops an answer.';

/** Turn failures the chat survives: a busy server, or a message it refused (too long, bad parameters). */
function survivable(error: unknown): boolean {
  return isModaError(error) && (error.retryable || error.status === 400 || error.status === 413 || error.status === 422);
}

export function registerChat(program: Command, io: CliIo): void {
  program
    .command('chat')
    .description('Chat with a text-generation model (GGUF included) on the server, in the terminal: history kept, /clear, /bye; Ctrl-C stops an answer')
    .argument('<model>', 'namespace/name, or namespace/name:QUANT for one quantisation of a GGUF repo')
    .option('--system <prompt>', 'system prompt, kept at the start of the conversation')
    .option('--parameters <json>', 'OpenAI chat parameters as a JSON object, e.g. \'{"max_tokens":256,"temperature":0.7}\'')
    .option('--verbose', 'after each answer, print its token counts, tokens/s and time to first token on stderr')
    .action(async (model: string, options: ChatOptions, command: Command) => {
      const { client } = await clientFor(command, io);
      const server = { endpoint: client.endpoint, ...(client.token && { token: client.token }), ...(io.fetch && { fetch: io.fetch }) };
      const extra = chatParameters(options.parameters);
      const system: ChatMessage[] = options.system ? [{ role: 'system', content: options.system }] : [];
      const history: ChatMessage[] = [];
      const interactive = io.stdin.isTTY === true;
      const prompt = () => {
        if (interactive) io.stdout.write('>>> ');
      };
      let answering: AbortController | null = null;
      // Ctrl-C: stop the answer being written; between answers, say how to leave instead of leaving.
      const onInterrupt = () => {
        if (answering) answering.abort();
        else {
          printLine(io.stderr, `\n${HELP}`);
          prompt();
        }
      };
      process.on('SIGINT', onInterrupt);
      const lines = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
      try {
        if (interactive) printLine(io.stderr, `Chatting with ${model}. ${HELP}`);
        prompt();
        for await (const line of lines) {
          const text = line.trim();
          if (text === '/bye') break;
          if (text === '/clear') {
            history.length = 0;
            printLine(io.stderr, 'Cleared the conversation.');
          } else if (text === '/?' || text === '/help') printLine(io.stderr, HELP);
          else if (text.startsWith('/')) printLine(io.stderr, `Unknown command ${text.split(/\s/)[0]}. ${HELP}`);
          else if (text !== '') {
            history.push({ role: 'user', content: line });
            answering = new AbortController();
            try {
              const answer = await answerTurn(io, server, model, [...system, ...history], extra, { signal: answering.signal, stats: options.verbose === true });
              if (answer.interrupted) {
                // A stopped answer is not part of the conversation; neither is the question it answered.
                history.pop();
                printLine(io.stderr, '(stopped)');
              } else history.push({ role: 'assistant', content: answer.text });
            } catch (error) {
              history.pop();
              if (!survivable(error)) throw error;
              printLine(io.stderr, `error: ${(error as Error).message} [${isModaError(error) ? error.code : 'INTERNAL'}]`);
            } finally {
              answering = null;
            }
          }
          prompt();
        }
        if (interactive) io.stdout.write('\n');
      } finally {
        process.off('SIGINT', onInterrupt);
        lines.close();
      }
    });
}
