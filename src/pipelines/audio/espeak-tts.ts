// Text to speech with eSpeak NG: formant synthesis from pronunciation rules, no neural weights, so
// the repo holds only its configuration (voices, speed, bounds) and the voice data comes from the
// Debian package. The voice follows the text's script unless a parameter names one.
import { availableParallelism } from 'node:os';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngine } from '../../runtime/engine-time.js';
import { pipelineLimits } from '../limits/pipeline-limits.js';
import { sandboxLimits } from '../limits/sandbox-command.js';
import { encodeWav, readWav, type WavAudio } from '../media/decode-audio.js';
import type { PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { configurationSettings } from '../text/configuration-settings.js';
import { runEspeak } from './run-espeak.js';

/** A voice or language name as espeak-ng takes it (`en`, `cmn`, `en-us+f3`): no paths, no options. */
const VOICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_+()-]{0,63}$/;
/** espeak-ng's accepted speaking rates, words per minute. */
const MIN_WPM = 80;
const MAX_WPM = 450;
/** Bounds espeak-ng's output: two seconds of 16-bit 22 050 Hz audio per character, far above any voice. */
const BYTES_PER_CHARACTER = 2 * 22050 * 2;

interface ScriptVoice {
  pattern: RegExp;
  voice: string;
}

function scriptVoices(raw: unknown): ScriptVoice[] {
  if (raw === undefined) return [];
  const invalid = () => new ModaError('MODEL_LOAD_FAILED', 'configuration.json model.script_voices must be a list of {"script": <Unicode script name>, "voice": <espeak-ng voice>}');
  if (!Array.isArray(raw)) throw invalid();
  return raw.map((entry: unknown) => {
    const { script, voice } = (entry ?? {}) as { script?: unknown; voice?: unknown };
    if (typeof script !== 'string' || !/^[A-Za-z_]{2,40}$/.test(script) || typeof voice !== 'string' || !VOICE_NAME.test(voice)) throw invalid();
    try {
      return { pattern: new RegExp(`\\p{Script=${script}}`, 'u'), voice };
    } catch (error) {
      throw new ModaError('MODEL_LOAD_FAILED', `configuration.json model.script_voices: "${script}" is not a Unicode script name`, { cause: error });
    }
  });
}

function requestedVoice(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !VOICE_NAME.test(value)) throw new ModaError('TASK_INPUT_INVALID', 'voice must be an espeak-ng voice name such as "en", "cmn" or "en-us+f3"');
  return value;
}

/** espeak-ng streams its WAV with placeholder sizes; reading and re-encoding it gives exact ones. */
function espeakWav(bytes: Buffer): WavAudio {
  try {
    return readWav(bytes);
  } catch (error) {
    throw new ModaError('MODEL_INFERENCE_FAILED', `espeak-ng wrote audio Moda could not read: ${(error as Error).message}`, { cause: error });
  }
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const espeakTtsPipeline: PipelineImplementation = {
  type: 'espeak-ng-tts',
  tasks: ['text-to-speech'],
  engine: 'espeak',
  async load(snapshot, options) {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const defaultVoice = settings.string('default_voice', 'en', VOICE_NAME);
    const byScript = scriptVoices(settings.raw('script_voices'));
    const wordsPerMinute = settings.number('words_per_minute', 175, { min: MIN_WPM, max: MAX_WPM });
    const maxCharacters = settings.number('max_characters', 5000, { min: 1, max: 100000, integer: true });
    // The server's limits (MODA_EXTERNAL_PROGRAM_*) cap what the configuration asks for.
    const limits = pipelineLimits(options.limits);
    const sandbox = sandboxLimits(limits);
    const timeoutMs = Math.min(settings.number('timeout_ms', 60000, { min: 1000, max: 600000, integer: true }), sandbox.timeoutMs);
    const parallel = Math.max(1, Math.min(options.threads > 0 ? options.threads : availableParallelism(), limits.externalProcesses));
    const synthesize = (text: string, voice: string, rate: number, signal?: AbortSignal) =>
      runEspeak({ text, voice, wordsPerMinute: rate, timeoutMs, maxOutputBytes: (text.length + 16) * BYTES_PER_CHARACTER, limits: sandbox, ...(signal && { signal }) });

    // Proves the binary runs and every configured voice exists, so a broken install fails at load.
    await mapLimited([...new Set([defaultVoice, ...byScript.map((entry) => entry.voice)])], parallel, (voice) =>
      synthesize('a', voice, wordsPerMinute).catch((error: unknown) => {
        if (error instanceof ModaError && error.code === 'TASK_INPUT_INVALID') throw new ModaError('MODEL_LOAD_FAILED', `configuration.json names voice "${voice}", which espeak-ng does not have`);
        throw error;
      }),
    );

    return {
      task: options.task,
      type: espeakTtsPipeline.type,
      engine: 'espeak',
      memoryBytes: 0,
      async run(inputs, parameters, context: RunContext) {
        const voiceParameter = requestedVoice(parameters.voice);
        const rateFactor = typeof parameters.rate === 'number' ? parameters.rate : 1;
        const rate = Math.min(MAX_WPM, Math.max(MIN_WPM, wordsPerMinute * rateFactor));
        const texts = inputs.map((input) => {
          if (typeof input !== 'string' || input.trim() === '') throw new ModaError('TASK_INPUT_INVALID', 'text-to-speech takes a non-empty text');
          if (input.length > maxCharacters) throw new ModaError('INPUT_TOO_LONG', `the text has ${input.length} characters, more than the ${maxCharacters} this model reads`);
          return input;
        });
        return mapLimited(texts, parallel, async (text) => {
          const voice = voiceParameter ?? byScript.find((entry) => entry.pattern.test(text))?.voice ?? defaultVoice;
          const wav = espeakWav(await timeEngine(() => synthesize(text, voice, rate, context.signal)));
          return { audio: encodeWav(wav.samples, wav.sampleRate).toString('base64'), sampling_rate: wav.sampleRate };
        });
      },
      dispose: async () => undefined,
    };
  },
};
