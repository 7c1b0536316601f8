// `moda run <repo> <input…>`: runs a hub model on local inputs in this process — image and audio
// inputs are file paths or URLs, text inputs are the arguments (or stdin), object inputs are JSON.
// A GGUF model (`owner/name[:QUANT]`) is the server's to run: its answer streams from there.
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ModaError } from '../../errors/moda-error.js';
import { openPipeline } from '../../pipelines/pipeline.js';
import { getTask, type TaskId } from '../../tasks/catalog.js';
import { ModaClient } from '../../client/moda-client.js';
import { answerTurn, chatParameters } from '../chat-turn.js';
import { cacheDirOf, cliConfig, printJson, printLine, savedToken, type CliIo } from '../cli-context.js';
import { servedByServer } from '../run-on-server.js';
import { jsonOption } from '../command-options.js';
import { formatSegments } from '../format-segments.js';

type InputKind = 'image' | 'audio' | 'object' | 'text';

function inputKind(task: TaskId): InputKind {
  const schema = getTask(task).input as { 'x-media'?: string; type?: string };
  if (schema['x-media'] === 'image' || schema['x-media'] === 'audio') return schema['x-media'];
  return schema.type === 'object' ? 'object' : 'text';
}

async function readStdin(io: CliIo): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function readInputs(kind: InputKind, args: string[], io: CliIo): Promise<unknown[]> {
  if (args.length === 0) {
    if (io.stdin.isTTY) throw new ModaError('BATCH_EMPTY', 'give an input as an argument or on stdin');
    const bytes = await readStdin(io);
    if (kind === 'image' || kind === 'audio') return [new Uint8Array(bytes)];
    const text = bytes.toString('utf8').trim();
    return [kind === 'object' ? parseJson(text) : text];
  }
  return Promise.all(
    args.map(async (arg) => {
      if (kind === 'text') return arg;
      if (kind === 'object') return parseJson(arg);
      if (/^https?:\/\//i.test(arg)) return arg;
      try {
        return new Uint8Array(await readFile(arg));
      } catch (error) {
        throw new ModaError('BAD_REQUEST', `cannot read ${kind} file ${arg}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
      }
    }),
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModaError('TASK_INPUT_INVALID', 'this task takes a JSON object as input', { cause: error });
  }
}

const round = (value: number) => Number(value.toFixed(4));

/** A readable rendering of one output; JSON for shapes without one. */
function formatOutput(task: TaskId, output: unknown): string {
  const value = output as Record<string, unknown> & unknown[];
  switch (task) {
    case 'ocr':
      return String((output as { text: string }).text);
    case 'text-classification':
    case 'image-classification':
    case 'zero-shot-classification':
    case 'zero-shot-image-classification':
    case 'language-identification':
      return (value as { label: string; score: number }[]).map(({ label, score }) => `${label}\t${round(score)}`).join('\n');
    case 'object-detection':
      return (value as { label: string; score: number; box: { xmin: number; ymin: number; xmax: number; ymax: number } }[])
        .map(({ label, score, box }) => `${label}\t${round(score)}\t[${[box.xmin, box.ymin, box.xmax, box.ymax].map(Math.round).join(', ')}]`)
        .join('\n');
    case 'word-segmentation':
      return (output as { tokens: { word: string; tag?: string }[] }).tokens.map(({ word, tag }) => (tag ? `${word}/${tag}` : word)).join(' ');
    case 'voice-activity-detection':
      return (output as { segments: { start: number; end: number }[] }).segments.map(({ start, end }) => `${start.toFixed(2)}–${end.toFixed(2)} s`).join('\n');
    case 'text-generation':
    case 'text2text-generation':
    case 'image-to-text':
      return String((output as { generated_text: string }).generated_text);
    case 'summarization':
      return String((output as { summary_text: string }).summary_text);
    case 'translation':
      return String((output as { translation_text: string }).translation_text);
    case 'automatic-speech-recognition':
      return String((output as { text: string }).text);
    default:
      return JSON.stringify(output, null, 2);
  }
}

export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('Run a hub model on inputs: image/audio file paths or URLs, text arguments (or stdin), JSON for object inputs')
    .argument('<repo>', 'namespace/name of a model repo')
    .argument('[inputs...]', 'inputs; none = read one from stdin')
    .option('--task <task>', 'task to run (default: the one the repo declares)')
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .option('--parameters <json>', 'task parameters as a JSON object, e.g. \'{"top_k":3}\'')
    .option('--out <file>', 'text-to-speech: write the WAV here; image-segmentation: write each mask as <file>-<label>.png')
    .option('--system <prompt>', 'GGUF models: the system prompt of the chat')
    .addOption(jsonOption())
    .addHelpText('after', '\nA GGUF repo (namespace/name, or namespace/name:QUANT for one quantisation) runs on the server: the answer to the prompt streams from its chat route, and --parameters takes OpenAI chat parameters (\'{"max_tokens":64,"temperature":0}\').\n')
    .action(async (repo: string, args: string[], options: { task?: string; revision: string; parameters?: string; out?: string; json?: boolean; system?: string }, command: Command) => {
      const config = cliConfig(command, io);
      const token = config.token || (await savedToken(config)) || '';
      if ((options.task === undefined || options.task === 'text-generation') && (await servedByServer(new ModaClient({ endpoint: config.endpoint, token, fetch: io.fetch }), repo))) {
        await runOnServer(io, { endpoint: config.endpoint, token, ...(io.fetch && { fetch: io.fetch }) }, repo, args, options);
        return;
      }
      const parameters = options.parameters === undefined ? {} : parseJson(options.parameters);
      const task = options.task === undefined ? undefined : (getTask(options.task).id as TaskId);
      const run = await openPipeline(task, repo, {
        revision: options.revision,
        endpoint: config.endpoint,
        token,
        cacheDir: cacheDirOf(config),
        device: config.device,
        threads: config.threads,
        maxImagePixels: config.maxImagePixels,
        ...(io.fetch && { fetch: io.fetch }),
      });
      try {
        const inputs = await readInputs(inputKind(run.task), args, io);
        const started = performance.now();
        const outputs = (await run(inputs as never[], parameters as never)) as unknown[];
        const ms = performance.now() - started;
        if (run.offline) printLine(io.stderr, `(offline: using the cached snapshot ${run.commit.slice(0, 12)})`);
        if (options.json) {
          printJson(io, { model: repo, commit: run.commit, task: run.task, outputs: args.length <= 1 ? undefined : outputs, output: args.length <= 1 ? outputs[0] : undefined, ms: Math.round(ms) });
          return;
        }
        for (const [index, output] of outputs.entries()) {
          if (outputs.length > 1) printLine(io.stdout, `== ${args[index] ?? `input ${index + 1}`}`);
          if (run.task === 'text-to-speech') {
            const target = options.out ?? 'speech.wav';
            await writeFile(outputs.length > 1 ? target.replace(/(\.wav)?$/, `-${index + 1}.wav`) : target, Buffer.from((output as { audio: string }).audio, 'base64'));
            printLine(io.stdout, `wrote ${target}`);
          } else if (run.task === 'image-segmentation') {
            const segments = output as { label: string; score: number | null; mask: string }[];
            printLine(io.stdout, await formatSegments(segments));
            if (options.out !== undefined) {
              const base = options.out.replace(/\.png$/i, '') + (outputs.length > 1 ? `-${index + 1}` : '');
              for (const segment of segments) {
                const target = `${base}-${segment.label.replace(/[^\p{L}\p{N}_.-]+/gu, '_')}.png`;
                await writeFile(target, Buffer.from(segment.mask, 'base64'));
                printLine(io.stdout, `wrote ${target}`);
              }
            }
          } else {
            printLine(io.stdout, formatOutput(run.task, output));
          }
        }
        printLine(io.stderr, `${run.task} · ${repo}@${run.commit.slice(0, 12)} · ${run.engine} · ${Math.round(ms)} ms`);
      } finally {
        await run.dispose();
      }
    });
}

/** A GGUF model's answer to the prompt (the arguments, or stdin), streamed from the server's chat route. */
async function runOnServer(io: CliIo, server: { endpoint: string; token: string }, model: string, args: string[], options: { revision: string; parameters?: string; json?: boolean; system?: string }): Promise<void> {
  if (options.revision !== 'main') throw new ModaError('BAD_REQUEST', 'a GGUF model runs on the server, which serves its deployed or main revision: pick a quantisation with namespace/name:QUANT instead of --revision');
  const extra = chatParameters(options.parameters);
  const prompt = args.length > 0 ? args.join(' ') : io.stdin.isTTY ? '' : (await readStdin(io)).toString('utf8').trim();
  if (prompt === '') throw new ModaError('BATCH_EMPTY', 'give a prompt as an argument or on stdin');
  const messages = [...(options.system ? [{ role: 'system' as const, content: options.system }] : []), { role: 'user' as const, content: prompt }];
  // The answer streams to stdout; with --json it is collected and printed once, as JSON.
  const quiet = options.json === true;
  const output = quiet ? { ...io, stdout: { write: () => true } } : io;
  const answer = await answerTurn(output, server, model, messages, extra, { signal: new AbortController().signal, stats: !quiet });
  if (quiet) printJson(io, { model, output: answer.text, finish_reason: answer.finishReason, usage: answer.usage });
}
