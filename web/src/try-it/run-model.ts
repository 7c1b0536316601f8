// Sends one Try-it request to the native inference route and measures it: the browser's round trip,
// the server's own timings from `Server-Timing`, and the commit that answered (`X-Model-Commit`).
import { apiFetch } from '../api.js';

export interface ServerTiming {
  name: string;
  ms: number;
}

export interface ModelAnswer {
  output: unknown;
  revision: string;
  task: string;
  /** Browser round trip, request sent to answer parsed. */
  latencyMs: number;
  serverTimings: ServerTiming[];
}

/** `inference;dur=12.3, queue;dur=1` → named durations (entries without `dur` are skipped). */
export function parseServerTiming(header: string | null): ServerTiming[] {
  if (!header) return [];
  return header.split(',').flatMap((entry) => {
    const [name, ...params] = entry.split(';').map((part) => part.trim());
    const duration = params.find((param) => /^dur=/i.test(param));
    const ms = duration ? Number(duration.slice(4).replace(/^"|"$/g, '')) : NaN;
    return name && Number.isFinite(ms) ? [{ name, ms }] : [];
  });
}

/** A media file goes as the raw body (parameters in the query); anything else as `{input, parameters}` JSON. */
export async function runModel(repo: string, input: Blob | unknown, parameters: Record<string, unknown>, signal: AbortSignal): Promise<ModelAnswer> {
  const url = `/api/v1/models/${repo}/pipeline`;
  const started = performance.now();
  let response: Response;
  if (input instanceof Blob) {
    const query = Object.keys(parameters).length > 0 ? `?parameters=${encodeURIComponent(JSON.stringify(parameters))}` : '';
    response = await apiFetch(url + query, { method: 'POST', body: input, headers: { 'content-type': input.type || 'application/octet-stream' }, signal });
  } else {
    response = await apiFetch(url, { method: 'POST', body: JSON.stringify({ input, parameters }), headers: { 'content-type': 'application/json' }, signal });
  }
  const body = (await response.json()) as { output: unknown; revision: string; task: string };
  return {
    output: body.output,
    task: body.task,
    revision: response.headers.get('x-model-commit') ?? body.revision,
    latencyMs: performance.now() - started,
    serverTimings: parseServerTiming(response.headers.get('server-timing')),
  };
}
