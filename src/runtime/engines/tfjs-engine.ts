// The TensorFlow.js engine: one process-wide backend (WebAssembly, from the files installed next to
// tfjs-backend-wasm, never fetched), and loaders that read tfjs model files from a snapshot directory
// as data — weight paths confined to the model's folder, sizes checked against the manifest — so a
// malformed or hostile model is a MODEL_LOAD_FAILED, never a crash or a read outside the snapshot.
import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngine, timeEngineSync } from '../engine-time.js';

export { tf };

/** Largest model.json / weights manifest read. */
export const MAX_TFJS_JSON_BYTES = 64 * 1024 * 1024;
/** Largest sum of weight shards one model may have. */
export const MAX_TFJS_WEIGHT_BYTES = 2 * 1024 ** 3;

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, int8: 1, uint16: 2, complex64: 8 };

export type TfjsBackend = 'wasm' | 'cpu';

let backendReady: Promise<TfjsBackend> | undefined;

/**
 * Initialises the backend once per process: wasm, or the pure-JS cpu backend when wasm cannot start
 * (about 30x slower, so the reason is logged). tfjs-backend-wasm runs single-threaded under Node (it
 * reports no multithread support there), so a pipeline's `threads` option does not apply to it.
 */
export function tfjsBackend(): Promise<TfjsBackend> {
  backendReady ??= initialiseBackend();
  return backendReady;
}

async function initialiseBackend(): Promise<TfjsBackend> {
  try {
    const require = createRequire(import.meta.url);
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
    setWasmPaths(wasmDir);
    // The Emscripten runtime installs process-wide uncaughtException / unhandledRejection handlers
    // that rethrow, which would override the server's own; they are taken off again once it is up.
    const before = { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
    const started = await tf.setBackend('wasm');
    if (started) await tf.ready();
    for (const listener of process.listeners('uncaughtException')) if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
    if (started) return 'wasm';
    console.warn('tfjs: the wasm backend did not start; falling back to the (much slower) cpu backend');
  } catch (error) {
    console.warn(`tfjs: the wasm backend failed (${(error as Error).message}); falling back to the (much slower) cpu backend`);
  }
  if (!(await tf.setBackend('cpu'))) throw new ModaError('ENGINE_UNAVAILABLE', 'no TensorFlow.js backend could start');
  await tf.ready();
  return 'cpu';
}

/** A model's topology plus its weights, read and checked, ready for a tfjs loader. */
export interface TfjsArtifacts {
  artifacts: tf.io.ModelArtifacts;
  /** Bytes the weights take once decoded (quantized weights are dequantized on load). */
  residentBytes: number;
}

export interface TfjsGraphModel {
  model: GraphModel;
  /** What the decoded weights hold in backend memory. */
  memoryBytes: number;
  dispose(): void;
}

function loadFailed(message: string, cause?: unknown): ModaError {
  return new ModaError('MODEL_LOAD_FAILED', message, cause === undefined ? {} : { cause });
}

async function readJson(path: string, name: string): Promise<unknown> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw loadFailed(`${name} does not exist`);
  if (info.size > MAX_TFJS_JSON_BYTES) throw loadFailed(`${name} is ${info.size} bytes, more than the ${MAX_TFJS_JSON_BYTES} allowed`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw loadFailed(`${name} is not valid JSON`, error);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Bytes one weight takes in its shard: quantized weights are stored in their quantized type. */
function weightSpecBytes(spec: tf.io.WeightsManifestEntry): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  const size = DTYPE_BYTES[stored];
  if (size === undefined) throw loadFailed(`weight ${spec.name} has unsupported dtype ${String(stored)}`);
  let count = 1;
  for (const dim of spec.shape) count *= dim;
  return count * size;
}

function checkManifest(raw: unknown, name: string): tf.io.WeightsManifestConfig {
  if (!Array.isArray(raw)) throw loadFailed(`${name}: weightsManifest must be an array of weight groups`);
  for (const group of raw) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw loadFailed(`${name}: a weight group needs "paths" and "weights" arrays`);
    if (!group.paths.every((path) => typeof path === 'string')) throw loadFailed(`${name}: weight paths must be strings`);
    for (const weight of group.weights) {
      const valid =
        isRecord(weight) &&
        typeof weight.name === 'string' &&
        typeof weight.dtype === 'string' &&
        Array.isArray(weight.shape) &&
        weight.shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0 && (dim as number) <= 2 ** 31) &&
        (weight.quantization === undefined || (isRecord(weight.quantization) && typeof weight.quantization.dtype === 'string'));
      if (!valid) throw loadFailed(`${name}: a weight entry needs a name, a dtype and a shape of non-negative integers`);
    }
  }
  return raw as tf.io.WeightsManifestConfig;
}

/** What decoded weights hold in backend memory: a float16- or uint8-quantized weight becomes its dtype (float32). */
export function residentWeightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, spec) => sum + weightSpecBytes({ ...spec, quantization: undefined }), 0);
}

/** A validated weights manifest, its weight specs in shard order and the bytes they need. */
export function checkWeightsManifest(manifest: unknown, name: string): { groups: tf.io.WeightsManifestConfig; specs: tf.io.WeightsManifestEntry[]; expectedBytes: number } {
  const groups = checkManifest(manifest, name);
  const specs = groups.flatMap((group) => group.weights);
  const expectedBytes = specs.reduce((sum, spec) => sum + weightSpecBytes(spec), 0);
  if (expectedBytes > MAX_TFJS_WEIGHT_BYTES) throw loadFailed(`${name} declares ${expectedBytes} weight bytes, more than the ${MAX_TFJS_WEIGHT_BYTES} allowed`);
  return { groups, specs, expectedBytes };
}

/** A weight shard path from a manifest, resolved inside `dir` (symlinks included) or refused. */
async function shardPath(dir: string, path: string): Promise<string> {
  if (path.length === 0 || path.length > 1024 || path.includes('\\') || path.includes('\0') || path.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(path)) {
    throw loadFailed(`weight path "${path}" is not a plain relative file name`);
  }
  const file = resolve(dir, path);
  const inside = (root: string, target: string) => {
    const rel = relative(root, target);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
  };
  if (!inside(dir, file)) throw loadFailed(`weight path "${path}" leaves the model's folder`);
  const real = await realpath(file).catch(() => undefined);
  if (real === undefined) throw loadFailed(`weight file "${path}" does not exist`);
  const realDir = await realpath(dir);
  // A snapshot in the Hugging Face cache layout (`pipeline()`, `moda run`) holds symlinks the
  // downloader made to `../../blobs/<etag>`: that folder is the snapshot's own storage.
  const cacheBlobs = basename(dirname(realDir)) === 'snapshots' ? join(dirname(dirname(realDir)), 'blobs') : undefined;
  if (!inside(realDir, real) && !(cacheBlobs !== undefined && inside(cacheBlobs, real))) throw loadFailed(`weight path "${path}" leaves the model's folder`);
  return real;
}

/**
 * Reads the weight shards a manifest names, relative to `dir`, and checks that they hold exactly the
 * bytes the weight specs need (a truncated download or a wrong file fails here, not in a kernel).
 */
export async function readTfjsWeights(dir: string, manifest: unknown, name = 'weights manifest'): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const { groups, specs, expectedBytes: expected } = checkWeightsManifest(manifest, name);
  const files = await Promise.all(groups.flatMap((group) => group.paths.map((path) => shardPath(dir, path))));
  let total = 0;
  for (const file of files) {
    total += (await stat(file)).size;
    if (total > expected) throw loadFailed(`${name}: the weight files hold more than the ${expected} bytes the weight specs declare`);
  }
  if (total !== expected) throw loadFailed(`${name}: the weight files hold ${total} bytes, the weight specs need ${expected} (truncated or mismatched weights?)`);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const file of files) {
    const bytes = await readFile(file);
    data.set(bytes, offset);
    offset += bytes.length;
  }
  return { specs, data: data.buffer };
}

/** Reads a tfjs `model.json` (graph or layers format) and its weight shards from its folder. */
export async function readTfjsModel(modelJsonPath: string): Promise<TfjsArtifacts> {
  const raw = await readJson(modelJsonPath, 'model.json');
  if (!isRecord(raw) || !isRecord(raw.modelTopology)) throw loadFailed('model.json has no modelTopology object');
  const { specs, data } = await readTfjsWeights(dirname(modelJsonPath), raw.weightsManifest, 'model.json');
  return artifactsFrom(raw, specs, data);
}

/** Artifacts from an already parsed model.json object and its weights. */
export function artifactsFrom(modelJson: Record<string, unknown>, weightSpecs: tf.io.WeightsManifestEntry[], weightData: ArrayBuffer): TfjsArtifacts {
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: modelJson.modelTopology as object,
    weightSpecs,
    weightData,
  };
  if (typeof modelJson.format === 'string') artifacts.format = modelJson.format;
  if (isRecord(modelJson.signature)) artifacts.signature = modelJson.signature;
  if (isRecord(modelJson.modelInitializer)) artifacts.modelInitializer = modelJson.modelInitializer;
  if (isRecord(modelJson.userDefinedMetadata)) artifacts.userDefinedMetadata = modelJson.userDefinedMetadata as Record<string, object>;
  return { artifacts, residentBytes: residentWeightBytes(weightSpecs) };
}

/** An IOHandler over artifacts already in memory: nothing is fetched, from disk or the network. */
export function memoryHandler(artifacts: tf.io.ModelArtifacts): tf.io.IOHandler {
  return { load: () => Promise.resolve(artifacts) };
}

/**
 * Counts a model's executions as engine time (runtime/engine-time.ts). The entry points are replaced
 * on the instance this engine just created, so every pipeline's call is seen without each one
 * wrapping it; tfjs kernels run synchronously on the wasm and cpu backends, so the call is the work.
 */
function timedGraphModel(model: GraphModel): GraphModel {
  const execute = model.execute.bind(model);
  const executeAsync = model.executeAsync.bind(model);
  const predict = model.predict.bind(model);
  model.execute = (inputs, outputs) => timeEngineSync(() => execute(inputs, outputs));
  model.executeAsync = (inputs, outputs) => timeEngine(() => executeAsync(inputs, outputs));
  model.predict = (inputs, config) => timeEngineSync(() => predict(inputs, config));
  return model;
}

function timedLayersModel(model: LayersModel): LayersModel {
  const execute = model.execute.bind(model);
  const predict = model.predict.bind(model);
  const predictOnBatch = model.predictOnBatch.bind(model);
  model.execute = (inputs, outputs) => timeEngineSync(() => execute(inputs, outputs));
  model.predict = (inputs, config) => timeEngineSync(() => predict(inputs, config));
  model.predictOnBatch = (inputs) => timeEngineSync(() => predictOnBatch(inputs));
  return model;
}

/** Loads a tfjs graph model from `model.json` in a snapshot (or from artifacts already read). */
export async function loadTfjsGraphModel(source: string | TfjsArtifacts): Promise<TfjsGraphModel> {
  await tfjsBackend();
  const { artifacts, residentBytes } = typeof source === 'string' ? await readTfjsModel(source) : source;
  if (!isRecord(artifacts.modelTopology) || !Array.isArray(artifacts.modelTopology.node)) {
    throw loadFailed('model.json is not a tfjs graph model (modelTopology.node is missing)');
  }
  let model: GraphModel;
  try {
    model = timedGraphModel(await loadGraphModel(memoryHandler(artifacts)));
  } catch (error) {
    throw loadFailed(`TensorFlow.js could not load the graph model: ${(error as Error).message}`, error);
  }
  return { model, memoryBytes: residentBytes, dispose: () => model.dispose() };
}

export interface TfjsLayersModel {
  model: LayersModel;
  memoryBytes: number;
  dispose(): void;
}

/** Loads a Keras-converted tfjs layers model (`modelTopology.model_config`). */
export async function loadTfjsLayersModel(source: string | TfjsArtifacts): Promise<TfjsLayersModel> {
  await tfjsBackend();
  const { artifacts, residentBytes } = typeof source === 'string' ? await readTfjsModel(source) : source;
  if (!isRecord(artifacts.modelTopology) || !isRecord(artifacts.modelTopology.model_config)) {
    throw loadFailed('model.json is not a tfjs layers model (modelTopology.model_config is missing)');
  }
  let model: LayersModel;
  try {
    model = timedLayersModel(await loadLayersModel(memoryHandler(artifacts)));
  } catch (error) {
    throw loadFailed(`TensorFlow.js could not load the layers model: ${(error as Error).message}`, error);
  }
  return { model, memoryBytes: residentBytes, dispose: () => model.dispose() };
}

/** Decodes weights already read into named tensors (for models whose graph lives in code, e.g. face-api nets). */
export function decodeTfjsWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): tf.NamedTensorMap {
  try {
    return tf.io.decodeWeights(data, specs);
  } catch (error) {
    throw loadFailed(`the weights could not be decoded: ${(error as Error).message}`, error);
  }
}

/** The first dimension sizes of a graph model's first input, e.g. [1, 512, 512, 3]. */
export function graphInputShape(model: GraphModel): number[] {
  const shape = model.inputs[0]?.shape;
  if (!shape) throw loadFailed('the graph model declares no input shape');
  return shape;
}
