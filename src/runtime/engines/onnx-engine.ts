// The ONNX Runtime engine: one InferenceSession per model file, on CUDA when asked for and
// installed, on CPU otherwise. A malformed or oversized file is a MODEL_LOAD_FAILED, never a crash.
import { availableParallelism } from 'node:os';
import { open, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModaError } from '../../errors/moda-error.js';
import type { Device } from '../../pipelines/pipeline-implementation.js';
import { timeEngine } from '../engine-time.js';
import { withoutServerPaths } from '../without-server-paths.js';

export type OnnxTensor = ort.Tensor;
export const OnnxTensor = ort.Tensor;

/** Larger single files are refused: protobuf caps a model at 2 GiB without external data. */
export const MAX_ONNX_FILE_BYTES = 2 * 1024 ** 3;

export interface OnnxModel {
  session: ort.InferenceSession;
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** The device the session actually runs on. */
  device: Device;
  memoryBytes: number;
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  dispose(): Promise<void>;
}

export interface OnnxLoadOptions {
  device: Device;
  /** Intra-op threads; 0 = one per core. */
  threads: number;
  /**
   * Whether idle intra-op threads spin-wait for the next operator (ONNX Runtime's default) instead
   * of sleeping: spinning shaves a wake-up off each operator but holds a core between runs, which the
   * server's own work on the same cores then waits for.
   */
  spinning?: boolean;
}

let cudaUnavailable = false;

async function checkOnnxFile(file: string): Promise<number> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new ModaError('MODEL_LOAD_FAILED', `model file ${basename(file)} does not exist`);
  if (info.size > MAX_ONNX_FILE_BYTES) throw new ModaError('MODEL_LOAD_FAILED', `model file is ${info.size} bytes, more than ${MAX_ONNX_FILE_BYTES}`);
  if (info.size < 16) throw new ModaError('MODEL_LOAD_FAILED', 'model file is too small to be an ONNX model');
  // Every ModelProto starts with field 1 (ir_version, varint): tag byte 0x08. A Git LFS pointer or
  // an HTML error page saved under .onnx is caught here with a readable message.
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(1);
    await handle.read(head, 0, 1, 0);
    if (head[0] !== 0x08) throw new ModaError('MODEL_LOAD_FAILED', 'model file is not an ONNX protobuf (is it an unfetched LFS pointer?)');
  } finally {
    await handle.close();
  }
  return info.size;
}

function sessionOptions(device: Device, options: OnnxLoadOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    intraOpNumThreads: options.threads > 0 ? options.threads : availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Session config entries ("session.intra_op.allow_spinning"); unset keeps ONNX Runtime's default.
    ...(options.spinning !== undefined && { extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } } }),
  };
}

export async function loadOnnxModel(file: string, options: OnnxLoadOptions): Promise<OnnxModel> {
  const size = await checkOnnxFile(file);
  const residentBefore = process.memoryUsage.rss();
  let device: Device = options.device === 'cuda' && !cudaUnavailable ? 'cuda' : 'cpu';
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, sessionOptions(device, options));
  } catch (error) {
    if (device !== 'cuda') throw new ModaError('MODEL_LOAD_FAILED', `ONNX Runtime could not load the model: ${withoutServerPaths((error as Error).message, dirname(file))}`, { cause: error });
    // The CUDA provider is a separate install; without it the model still runs, on CPU.
    cudaUnavailable = true;
    device = 'cpu';
    try {
      session = await ort.InferenceSession.create(file, sessionOptions(device, options));
    } catch (cpuError) {
      throw new ModaError('MODEL_LOAD_FAILED', `ONNX Runtime could not load the model: ${withoutServerPaths((cpuError as Error).message, dirname(file))}`, { cause: cpuError });
    }
  }
  return {
    session,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    device,
    // The session holds more than its file: optimised graph copies and arena buffers (PP-OCRv4's
    // 16 MB of files took 66 MB resident). The growth in resident memory while it loaded is the
    // better measure; the file size is the floor when other work made that growth unreadable.
    memoryBytes: Math.max(size, process.memoryUsage.rss() - residentBefore),
    async run(feeds) {
      try {
        return await timeEngine(() => session.run(feeds));
      } catch (error) {
        throw new ModaError('MODEL_INFERENCE_FAILED', `ONNX Runtime failed: ${withoutServerPaths((error as Error).message, dirname(file))}`, { cause: error });
      }
    },
    dispose: () => session.release(),
  };
}
