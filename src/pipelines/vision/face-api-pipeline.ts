// The `face-api` pipeline: SSD MobileNetV1 face detection, then on each face 68 landmarks and, on the
// landmark-aligned crop, age/gender, expression and a 128-d identity descriptor. The forward passes
// are @vladmandic/face-api's (its nets are hand-written tfjs code, not graphs a converter could load);
// its node-wasm build brings no tfjs of its own, so it runs on this process's already-initialised wasm
// backend. Weights are read and checked by our engine and handed over as tensors: face-api never
// touches the file system or the network here.
import { dirname } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import type * as faceApiTypes from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { ModaError } from '../../errors/moda-error.js';
import { timeEngine } from '../../runtime/engine-time.js';
import { decodeTfjsWeights, MAX_TFJS_JSON_BYTES, readTfjsWeights, residentWeightBytes, tf, tfjsBackend } from '../../runtime/engines/tfjs-engine.js';
import { snapshotFile, type ModelSnapshot } from '../../runtime/model-snapshot.js';
import type { Box, LabelScore } from '../../tasks/values.js';
import { configurationSettings } from '../text/configuration-settings.js';
import type { LoadedPipeline, LoadOptions, PipelineImplementation, RunContext } from '../pipeline-implementation.js';
import { decodeInput, inferenceFailed, roundTo } from './model-input.js';

type FaceApi = typeof faceApiTypes;
/** face-api's nets are typed against its own copy of the tfjs declarations; at run time they are ours. */
type FaceInput = Parameters<FaceApi['extractFaceTensors']>[0];
type FaceTensor = Awaited<ReturnType<FaceApi['extractFaceTensors']>>[number];

export interface Face {
  score: number;
  box: Box;
  landmarks?: [number, number][];
  age?: number;
  gender?: LabelScore;
  expression?: LabelScore[];
  embedding?: number[];
}

type FaceWeightMap = Parameters<faceApiTypes.SsdMobilenetv1['loadFromWeightMap']>[0];

interface Net {
  loadFromWeightMap(weights: FaceWeightMap): void;
  dispose(throwOnRedispose?: boolean): void;
}

let faceApiModule: Promise<FaceApi> | undefined;

/** face-api is imported only once a face model loads: it pulls in the whole @tensorflow/tfjs bundle. */
async function importFaceApi(): Promise<FaceApi> {
  await tfjsBackend();
  faceApiModule ??= import('@vladmandic/face-api/dist/face-api.node-wasm.js').catch((error: unknown) => {
    faceApiModule = undefined;
    throw new ModaError('ENGINE_UNAVAILABLE', `@vladmandic/face-api could not be loaded: ${(error as Error).message}`, { cause: error });
  });
  return faceApiModule;
}

async function readManifest(path: string): Promise<unknown> {
  const info = await stat(path);
  if (info.size > MAX_TFJS_JSON_BYTES) throw new ModaError('MODEL_LOAD_FAILED', `${path} is larger than ${MAX_TFJS_JSON_BYTES} bytes`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new ModaError('MODEL_LOAD_FAILED', 'a face-api weights manifest is not valid JSON', { cause: error });
  }
}

/** Loads one net from a face-api `*-weights_manifest.json`; returns the bytes its decoded weights hold. */
async function loadNet(net: Net, snapshot: ModelSnapshot, manifestName: string): Promise<number> {
  const manifestPath = await snapshotFile(snapshot, manifestName, { maxBytes: MAX_TFJS_JSON_BYTES });
  const { specs, data } = await readTfjsWeights(dirname(manifestPath), await readManifest(manifestPath), manifestName);
  const weights = decodeTfjsWeights(specs, data);
  try {
    net.loadFromWeightMap(weights as unknown as FaceWeightMap);
  } catch (error) {
    tf.dispose(Object.values(weights));
    throw new ModaError('MODEL_LOAD_FAILED', `${manifestName} does not hold the weights this net needs: ${(error as Error).message}`, { cause: error });
  }
  return residentWeightBytes(specs);
}

interface Nets {
  detector: faceApiTypes.SsdMobilenetv1;
  landmarks: faceApiTypes.FaceLandmark68Net | undefined;
  ageGender: faceApiTypes.AgeGenderNet | undefined;
  expression: faceApiTypes.FaceExpressionNet | undefined;
  recognition: faceApiTypes.FaceRecognitionNet | undefined;
}

function sortedScores(scores: Record<string, unknown>): LabelScore[] {
  return Object.entries(scores)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([label, score]) => ({ label, score: roundTo(score, 4) }))
    .sort((a, b) => b.score - a.score);
}

function boxOf(rect: { x: number; y: number; width: number; height: number }, width: number, height: number): Box {
  const clamp = (value: number, max: number) => roundTo(Math.min(max, Math.max(0, value)), 1);
  return { xmin: clamp(rect.x, width), ymin: clamp(rect.y, height), xmax: clamp(rect.x + rect.width, width), ymax: clamp(rect.y + rect.height, height) };
}

async function detectFaces(api: FaceApi, nets: Nets, image: tf.Tensor3D, options: { minConfidence: number; maxResults: number }): Promise<Face[]> {
  const [height, width] = image.shape;
  const input = image as unknown as FaceInput;
  const detections = await timeEngine(() => nets.detector.locateFaces(input, new api.SsdMobilenetv1Options(options)));
  if (detections.length === 0) return [];
  const faces: Face[] = detections.map((detection) => ({ score: roundTo(detection.score, 4), box: boxOf(detection.box, width, height) }));
  let alignedRects: faceApiTypes.FaceDetection[] = detections;
  if (nets.landmarks) {
    const crops = await api.extractFaceTensors(input, detections);
    let marks: faceApiTypes.FaceLandmarks68[];
    try {
      marks = (await timeEngine(() => nets.landmarks!.detectLandmarks(crops))) as faceApiTypes.FaceLandmarks68[];
    } finally {
      tf.dispose(crops as unknown as tf.Tensor[]);
    }
    const withLandmarks = detections.map((detection, index) => api.extendWithFaceLandmarks(api.extendWithFaceDetection({}, detection), marks[index]!));
    withLandmarks.forEach((face, index) => {
      faces[index]!.landmarks = face.landmarks.positions.map((point): [number, number] => [roundTo(point.x, 1), roundTo(point.y, 1)]);
    });
    alignedRects = withLandmarks.map((face) => face.alignedRect);
  }
  if (!nets.ageGender && !nets.expression && !nets.recognition) return faces;
  const aligned: FaceTensor[] = await api.extractFaceTensors(input, alignedRects);
  try {
    if (nets.ageGender) {
      const predictions = (await timeEngine(() => nets.ageGender!.predictAgeAndGender(aligned))) as faceApiTypes.AgeAndGenderPrediction[];
      predictions.forEach((prediction, index) => {
        faces[index]!.age = roundTo(prediction.age, 2);
        faces[index]!.gender = { label: prediction.gender, score: roundTo(prediction.genderProbability, 4) };
      });
    }
    if (nets.expression) {
      const expressions = (await timeEngine(() => nets.expression!.predictExpressions(aligned))) as faceApiTypes.FaceExpressions[];
      expressions.forEach((expression, index) => {
        faces[index]!.expression = sortedScores(expression as unknown as Record<string, unknown>);
      });
    }
    if (nets.recognition) {
      const descriptors = (await timeEngine(() => nets.recognition!.computeFaceDescriptor(aligned))) as Float32Array[];
      descriptors.forEach((descriptor, index) => {
        faces[index]!.embedding = Array.from(descriptor, (value) => roundTo(value, 6));
      });
    }
  } finally {
    tf.dispose(aligned as unknown as tf.Tensor[]);
  }
  return faces.sort((a, b) => b.score - a.score);
}

async function loadNets(api: FaceApi, snapshot: ModelSnapshot): Promise<{ nets: Nets; bytes: number }> {
  const model = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
  const optionalName = (name: string) => {
    const value = model.raw(name);
    if (value !== undefined && typeof value !== 'string') throw new ModaError('MODEL_LOAD_FAILED', `configuration.json model.${name} must be a file name`);
    return value;
  };
  const loaded: Net[] = [];
  let bytes = 0;
  const load = async <T extends Net>(net: T, manifest: string): Promise<T> => {
    loaded.push(net);
    bytes += await loadNet(net, snapshot, manifest);
    return net;
  };
  const optional = async <T extends Net>(name: string, create: () => T): Promise<T | undefined> => {
    const manifest = optionalName(name);
    return manifest === undefined ? undefined : load(create(), manifest);
  };
  try {
    const nets: Nets = {
      detector: await load(new api.SsdMobilenetv1(), model.string('detector', 'ssd_mobilenetv1_model-weights_manifest.json')),
      landmarks: await optional('landmarks', () => new api.FaceLandmark68Net()),
      ageGender: await optional('age_gender', () => new api.AgeGenderNet()),
      expression: await optional('expression', () => new api.FaceExpressionNet()),
      recognition: await optional('recognition', () => new api.FaceRecognitionNet()),
    };
    return { nets, bytes };
  } catch (error) {
    for (const net of loaded) net.dispose(false);
    throw error;
  }
}

export const faceApiPipeline: PipelineImplementation = {
  type: 'face-api',
  tasks: ['face-detection'],
  engine: 'tfjs',
  async load(snapshot: ModelSnapshot, options: LoadOptions): Promise<LoadedPipeline> {
    const settings = configurationSettings(snapshot.configuration?.model, 'configuration.json model');
    const defaultThreshold = settings.number('threshold', 0.5, { min: 0, max: 1 });
    const defaultMaxFaces = settings.number('max_faces', 100, { min: 1, max: 1000, integer: true });
    const api = await importFaceApi();
    const { nets, bytes } = await loadNets(api, snapshot);
    const all = [nets.detector, nets.landmarks, nets.ageGender, nets.expression, nets.recognition].filter((net) => net !== undefined);
    return {
      task: options.task,
      type: 'face-api',
      engine: 'tfjs',
      memoryBytes: bytes,
      async run(inputs, parameters, context: RunContext) {
        const detectOptions = {
          minConfidence: typeof parameters.threshold === 'number' ? parameters.threshold : defaultThreshold,
          maxResults: typeof parameters.max_faces === 'number' ? parameters.max_faces : defaultMaxFaces,
        };
        const outputs: Face[][] = [];
        for (const input of inputs) {
          const decoded = await decodeInput(input, 'face-detection', context);
          const image = tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
          try {
            outputs.push(await detectFaces(api, nets, image, detectOptions));
          } catch (error) {
            throw inferenceFailed(error);
          } finally {
            image.dispose();
          }
        }
        return outputs;
      },
      dispose: () => {
        for (const net of all) net.dispose(false);
        return Promise.resolve();
      },
    };
  },
};
