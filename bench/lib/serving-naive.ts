// The naive way to serve a model, as the serving benchmark's baseline: a bare fastify process whose
// route hands each request's image straight to the same pipeline Moda loads — no queue, no
// batching, no hub, auth or validation. `startNaive` starts it as a separate process.
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { ppocrPipeline } from '../../src/pipelines/ocr/ppocr-pipeline.js';
import type { LoadedPipeline } from '../../src/pipelines/pipeline-implementation.js';
import { centernetPipeline } from '../../src/pipelines/vision/centernet-pipeline.js';
import { openSnapshot } from '../../src/runtime/model-snapshot.js';
import { startService, type Service } from './child-process.js';
import type { EngineKind } from './serving-engine.js';
import { freePort } from './free-port.js';

export interface NaiveModel {
  /** Route name: POST /<name>. */
  name: string;
  kind: EngineKind;
  snapshotDir: string;
  repo: string;
  /** ONNX Runtime sessions: idle intra-op threads spin (the same setting as the Moda compared). */
  spinning: boolean;
}

export interface NaiveServer {
  url: string;
  service: Service;
  stop(): Promise<void>;
}

async function serve(port: number, models: NaiveModel[]): Promise<void> {
  const loaded = new Map<string, LoadedPipeline>();
  for (const model of models) {
    const snapshot = await openSnapshot(model.snapshotDir, model.repo, '0'.repeat(40));
    const options = { device: 'cpu' as const, threads: 0, spinning: model.spinning };
    loaded.set(model.name, model.kind === 'centernet' ? await centernetPipeline.load(snapshot, { ...options, task: 'object-detection' }) : await ppocrPipeline.load(snapshot, { ...options, task: 'ocr' }));
  }
  const app = Fastify({ bodyLimit: 32 * 1024 * 1024 });
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const context = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };
  app.post<{ Params: { name: string } }>('/:name', async (request, reply) => {
    const pipeline = loaded.get(request.params.name);
    if (!pipeline) return reply.code(404).send({ error: 'no such model' });
    const [output] = await pipeline.run([new Uint8Array(request.body as Buffer)], {}, context);
    return { output };
  });
  await app.listen({ host: '127.0.0.1', port });
  process.stdout.write(`naive server listening on ${port}\n`);
}

export async function startNaive(models: NaiveModel[], repoRoot: string, nodeFlags: string[] = []): Promise<NaiveServer> {
  const port = await freePort();
  const self = fileURLToPath(import.meta.url);
  const { service } = await startService(process.execPath, [...nodeFlags, '--import', 'tsx', self, String(port), JSON.stringify(models)], {
    cwd: repoRoot,
    ready: /naive server listening/,
    timeoutMs: 120_000,
  });
  return { url: `http://127.0.0.1:${port}`, service, stop: () => service.stop() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serve(Number(process.argv[2]), JSON.parse(process.argv[3] ?? '[]') as NaiveModel[]);
}
