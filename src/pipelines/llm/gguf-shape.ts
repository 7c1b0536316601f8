// What Moda needs to know of a GGUF model before it loads it — architecture, depth, widths, the
// context it was trained for — checked against what llama.cpp would otherwise assert on natively
// (a missing `feed_forward_length` or `head_count` aborts the loading process, exit 134).
import { ModaError } from '../../errors/moda-error.js';
import type { GgufMetadata, GgufMetadataValue } from './read-gguf-metadata.js';

export interface GgufShape {
  architecture: string;
  layers: number;
  width: number;
  heads: number;
  kvHeads: number;
  /** Width of one head's key and value vectors. */
  keyLength: number;
  valueLength: number;
  /** Context the model was trained for. */
  contextLength: number;
  vocabularySize: number;
  /** The model's own task: feature-extraction for embedding architectures, else text-generation. */
  task: 'text-generation' | 'feature-extraction';
  /** A chat template in the file (Jinja), if any. */
  hasChatTemplate: boolean;
}

/** Architectures llama.cpp runs as encoders: they embed, they do not generate. */
const EMBEDDING_ARCHITECTURES = new Set(['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert-v2', 'jina-bert-v3', 'neo-bert', 'modern-bert', 't5encoder']);
const MAX_LAYERS = 1024;
const MAX_WIDTH = 1 << 18;
const MAX_HEADS = 4096;

function invalid(file: string, why: string): ModaError {
  return new ModaError('MODEL_FILE_INVALID', `${file} cannot be run: ${why}`);
}

function integer(values: Map<string, GgufMetadataValue>, key: string, file: string, range: { min: number; max: number }, fallback?: number): number {
  const value = values.get(key);
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw invalid(file, `its metadata lacks ${key}`);
  }
  // Some converters store per-layer arrays (head_count_kv of hybrid models); Moda serves uniform models only.
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < range.min || number > range.max) {
    throw invalid(file, `${key} must be an integer from ${range.min} to ${range.max}`);
  }
  return number;
}

/** The shape of a GGUF model, or MODEL_FILE_INVALID naming the first key that is missing or out of range. */
export function ggufShape(metadata: GgufMetadata, file: string): GgufShape {
  const { values } = metadata;
  const architecture = values.get('general.architecture');
  if (typeof architecture !== 'string' || !/^[a-z0-9_-]{1,64}$/i.test(architecture)) throw invalid(file, 'its metadata lacks general.architecture');
  if (metadata.tensorCount === 0) throw invalid(file, 'it holds no tensors');
  const key = (name: string) => `${architecture}.${name}`;
  const layers = integer(values, key('block_count'), file, { min: 1, max: MAX_LAYERS });
  const width = integer(values, key('embedding_length'), file, { min: 1, max: MAX_WIDTH });
  const heads = integer(values, key('attention.head_count'), file, { min: 1, max: MAX_HEADS });
  integer(values, key('feed_forward_length'), file, { min: 1, max: MAX_WIDTH * 8 });
  const kvHeads = integer(values, key('attention.head_count_kv'), file, { min: 1, max: heads }, heads);
  if (heads % kvHeads !== 0) throw invalid(file, `${key('attention.head_count')} (${heads}) is not a multiple of ${key('attention.head_count_kv')} (${kvHeads})`);
  const headWidth = Math.floor(width / heads);
  const keyLength = integer(values, key('attention.key_length'), file, { min: 1, max: MAX_WIDTH }, headWidth);
  const valueLength = integer(values, key('attention.value_length'), file, { min: 1, max: MAX_WIDTH }, headWidth);
  if (!values.has(key('attention.key_length')) && width % heads !== 0) throw invalid(file, `${key('embedding_length')} (${width}) is not a multiple of ${key('attention.head_count')} (${heads})`);
  const contextLength = integer(values, key('context_length'), file, { min: 1, max: 1 << 24 });
  const tokenizer = values.get('tokenizer.ggml.model');
  if (typeof tokenizer !== 'string') throw invalid(file, 'its metadata lacks tokenizer.ggml.model');
  const tokens = values.get('tokenizer.ggml.tokens');
  if (typeof tokens !== 'object' || !('array' in tokens) || tokens.elementType !== 8 || tokens.length === 0) throw invalid(file, 'its metadata lacks tokenizer.ggml.tokens (a list of strings)');
  for (const special of ['bos', 'eos', 'unknown', 'padding']) {
    const id = values.get(`tokenizer.ggml.${special}_token_id`);
    if (id !== undefined && (typeof id !== 'number' || id < 0 || id >= tokens.length)) throw invalid(file, `tokenizer.ggml.${special}_token_id is not a token of its ${tokens.length}`);
  }
  const embedding = EMBEDDING_ARCHITECTURES.has(architecture) || values.get('tokenizer.ggml.model') === 'bert';
  return {
    architecture,
    layers,
    width,
    heads,
    kvHeads,
    keyLength,
    valueLength,
    contextLength,
    vocabularySize: tokens.length,
    task: embedding ? 'feature-extraction' : 'text-generation',
    hasChatTemplate: typeof values.get('tokenizer.chat_template') === 'string',
  };
}

/**
 * Bytes of KV cache one sequence of `context` tokens takes: context × layers × (key + value width
 * of the KV heads) × 2 bytes (llama.cpp's F16 cache). With equal key and value widths this is the
 * issue's context × layers × 2 × kv width × 2.
 */
export function kvCacheBytes(shape: GgufShape, context: number): number {
  return context * shape.layers * (shape.keyLength + shape.valueLength) * shape.kvHeads * 2;
}
