// A minimal keep-alive HTTP GET for latency sampling: node:http with one persistent socket costs the
// client far less per request than fetch, so the samples are mostly server time.
import { Agent, request } from 'node:http';

export interface TimedResponse {
  status: number;
  body: Buffer;
  ms: number;
}

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

export function timedGet(url: string, agent: Agent, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = request(url, { agent, headers, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${url} took more than ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}
