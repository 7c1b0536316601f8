// Prometheus metrics for one app: HTTP requests by route, inference by model and task, the model
// cache's queues, memory and loads, and the process defaults, in a registry of the app's own (tests
// run several servers in one process). Requests are tied to the model they ran through an
// AsyncLocalStorage trace, so the cache needs to know nothing about HTTP.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { cacheStats } from '../hub/cache-size.js';
import type { ModelCache, ServedModel } from '../serve/model-cache.js';

/** What one request did with models, filled in by the cache's observer while the handler runs. */
interface RequestTrace {
  log: FastifyBaseLogger;
  served: ServedModel | undefined;
  /** Time in the model's queue and run, summed over the request's runs. */
  inferenceMs: number;
  inputs: number;
}

/** The route label of a request no route matched: the raw URL would make the label unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

// Inference spans a tiny classifier (ms) to a long generation (minutes); HTTP's defaults stop at 10 s.
const INFERENCE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LOAD_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * The model label: the repo (`owner/name`). The commit lives in `moda_model_info`, so a push does
 * not start new counter series, and only repos a model was actually loaded from ever become labels.
 */
function modelLabel(served: ServedModel): string {
  return served.repo;
}

// Keyed by the HTTP server, shared by the app and its plugin scopes, so other modules add metrics.
const registries = new WeakMap<object, Registry>();

/** The registry /metrics serves for this app, once registerMetrics has run. */
export function metricsRegistryOf(app: FastifyInstance): Registry | undefined {
  return registries.get(app.server);
}

/** Creates the app's registry, hooks its requests and the model cache, and returns the registry. */
export function registerMetrics(app: FastifyInstance, models: ModelCache): Registry {
  const registry = new Registry();
  registries.set(app.server, registry);
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({ name: 'moda_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers });
  const httpDuration = new Histogram({ name: 'moda_http_request_duration_seconds', help: 'Time from request to the last byte of the response, by method and route pattern', labelNames: ['method', 'route'], buckets: HTTP_BUCKETS, registers });
  const inferenceRequests = new Counter({
    name: 'moda_inference_requests_total',
    help: 'HTTP requests that resolved a model, by model, task and status (requests that fail before a model is found count only in moda_http_requests_total)',
    labelNames: ['model', 'task', 'status'],
    registers,
  });
  const inferenceDuration = new Histogram({ name: 'moda_inference_duration_seconds', help: "Time a request's inputs spent in the model's queue and run, failed runs included", labelNames: ['model', 'task'], buckets: INFERENCE_BUCKETS, registers });
  const batchSize = new Histogram({ name: 'moda_inference_batch_size', help: 'Inputs per batch the model ran', labelNames: ['model'], buckets: BATCH_BUCKETS, registers });
  const loadSeconds = new Histogram({ name: 'moda_model_load_seconds', help: 'Time to load a model into memory', labelNames: ['model'], buckets: LOAD_BUCKETS, registers });

  // Gauges are read from the cache at scrape time, so an unloaded model's series disappear.
  new Gauge({
    name: 'moda_inference_queue_depth',
    help: 'Inputs waiting for a loaded model',
    labelNames: ['model'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) this.inc({ model: modelLabel(served) }, served.batcher.stats().queuedInputs);
    },
  });
  // The in-memory caches (hub/lru-cache.ts, ttl-cache.ts): each is bounded by entries and bytes.
  new Gauge({
    name: 'moda_cache_entries',
    help: 'Entries an in-memory cache holds',
    labelNames: ['cache'],
    registers,
    collect() {
      this.reset();
      for (const [name, stats] of cacheStats()) this.set({ cache: name }, stats.entries);
    },
  });
  new Gauge({
    name: 'moda_cache_bytes',
    help: 'Approximate bytes the keys and values of an in-memory cache hold',
    labelNames: ['cache'],
    registers,
    collect() {
      this.reset();
      for (const [name, stats] of cacheStats()) this.set({ cache: name }, stats.bytes);
    },
  });
  new Gauge({
    name: 'moda_models_loaded',
    help: 'Models in memory (one per repo, commit and task)',
    registers,
    collect() {
      this.set(models.list().length);
    },
  });
  new Gauge({
    name: 'moda_model_memory_bytes',
    help: 'Memory the loaded models of a repo hold: the resident memory of their processes, as the model budget counts it',
    labelNames: ['model'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) this.inc({ model: modelLabel(served) }, served.model.memoryBytes);
    },
  });
  new Gauge({
    name: 'moda_model_rss_bytes',
    help: 'Resident memory (RSS, from /proc) of the processes a loaded model runs in',
    labelNames: ['model'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) this.inc({ model: modelLabel(served) }, served.model.rssBytes);
    },
  });
  const crashes = new Counter({
    name: 'moda_model_crashes_total',
    help: 'Model processes that died (MODEL_CRASHED: abort, fatal error, signal; MODEL_MEMORY_LIMIT: killed past its memory limit), by repo and code',
    labelNames: ['model', 'code'],
    registers,
  });
  new Counter({
    name: 'moda_model_solo_batches_total',
    help: 'Batches a loaded model ran alone on its solo session over every core (small ONNX models on CPU), since it was loaded',
    labelNames: ['model'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) if (served.model.hasSolo || served.model.soloBatches > 0) this.inc({ model: modelLabel(served) }, served.model.soloBatches);
    },
  });
  new Gauge({
    name: 'moda_model_info',
    help: 'A loaded model: its repo, the commit it was loaded from and the task it serves (always 1)',
    labelNames: ['model', 'commit', 'task', 'pinned'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) this.set({ model: modelLabel(served), commit: served.commit, task: served.task, pinned: String(served.pinned) }, 1);
    },
  });

  const llmTokens = new Counter({ name: 'moda_llm_tokens_total', help: 'Tokens of finished generations of GGUF models, by model and kind (prompt or completion)', labelNames: ['model', 'kind'], registers });
  const timeToFirstToken = new Histogram({ name: 'moda_llm_time_to_first_token_seconds', help: 'Time from a generation reaching the model to its first text (queue wait and prompt evaluation included)', labelNames: ['model'], buckets: INFERENCE_BUCKETS, registers });
  const interToken = new Histogram({ name: 'moda_llm_inter_token_seconds', help: 'Time between successive pieces of streamed text of a generation (one token each, except where a stop string or a UTF-8 character held text back)', labelNames: ['model'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers });
  new Gauge({
    name: 'moda_llm_sequences_in_use',
    help: 'Sequences of a loaded GGUF model generating now',
    labelNames: ['model'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) if (served.llm) this.inc({ model: modelLabel(served) }, Math.min(served.generating ?? 0, served.llm.sequences));
    },
  });
  new Gauge({
    name: 'moda_llm_kv_cache_bytes',
    help: 'KV cache a loaded GGUF model holds for its sequences (context × layers × key and value width × 2 bytes each), counted in the model memory budget',
    labelNames: ['model'],
    registers,
    collect() {
      this.reset();
      for (const served of models.list()) if (served.llm) this.inc({ model: modelLabel(served) }, served.llm.kvBytesPerSequence * served.llm.sequences);
    },
  });

  const traceStorage = new AsyncLocalStorage<RequestTrace>();
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  const stopObserving = models.observe({
    generated(served, generation) {
      const model = modelLabel(served);
      llmTokens.inc({ model, kind: 'prompt' }, generation.promptTokens);
      llmTokens.inc({ model, kind: 'completion' }, generation.completionTokens);
      if (generation.firstTextMs !== undefined) timeToFirstToken.observe({ model }, generation.firstTextMs / 1000);
      for (const gap of generation.gapsMs) interToken.observe({ model }, gap / 1000);
    },
    acquired(served) {
      const trace = traceStorage.getStore();
      if (trace) trace.served = served;
    },
    loaded(served) {
      loadSeconds.observe({ model: modelLabel(served) }, served.loadMs / 1000);
      // The log of the request that caused the load, so its reqId explains a slow first answer.
      const log = traceStorage.getStore()?.log ?? app.log;
      log.info({ model: served.repo, commit: served.commit, task: served.task, loadMs: Math.round(served.loadMs), memoryBytes: served.model.memoryBytes }, 'model loaded');
    },
    unloaded(served) {
      app.log.info({ model: served.repo, commit: served.commit, task: served.task }, 'model unloaded');
    },
    crashed(crash) {
      crashes.inc({ model: crash.repo, code: crash.error.code });
      app.log.warn({ model: crash.repo, commit: crash.commit, task: crash.task, code: crash.error.code, quarantined: crash.quarantined }, crash.error.message);
    },
    ran(served, run) {
      inferenceDuration.observe({ model: modelLabel(served), task: served.task }, run.ms / 1000);
      const trace = traceStorage.getStore();
      if (trace) {
        // A deployed model serves requests without passing through acquire(), so its run names it.
        trace.served ??= served;
        trace.inferenceMs += run.ms;
        trace.inputs += run.inputs;
      }
    },
    batched(served, size) {
      batchSize.observe({ model: modelLabel(served) }, size);
    },
    // Answered in onRequest, before any trace exists, so counted here (onResponse skips it).
    refusedEarly(served) {
      inferenceRequests.inc({ model: modelLabel(served), task: served.task, status: '429' });
    },
  });
  app.addHook('onClose', async () => stopObserving());

  // preHandler runs after the body is parsed: the stream events that parse it would lose the
  // context, so the trace is entered here and the handler runs inside it.
  app.addHook('preHandler', (request, _reply, done) => {
    const trace: RequestTrace = { log: request.log, served: undefined, inferenceMs: 0, inputs: 0 };
    traces.set(request, trace);
    traceStorage.run(trace, done);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = String(reply.statusCode);
    httpRequests.inc({ method: request.method, route, status });
    httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    const trace = traces.get(request);
    const served = trace?.served;
    if (!trace || !served) return;
    inferenceRequests.inc({ model: modelLabel(served), task: served.task, status });
    request.log.info(
      { model: served.repo, commit: served.commit, task: served.task, status: reply.statusCode, inputs: trace.inputs, inferenceMs: Math.round(trace.inferenceMs * 10) / 10, responseMs: Math.round(reply.elapsedTime * 10) / 10 },
      'inference request completed',
    );
  });

  return registry;
}
