// Replays requests the way the `modelscope` Python SDK (hub/api.py, hub/file_download.py of 1.30)
// sends them: its user-agent, a fresh X-Request-ID per call, the `m_session_id` cookie, and bodies
// posted as `json=` (with Content-Type) or as `data=json.dumps(…)` (with none).
import { randomBytes, randomUUID } from 'node:crypto';
import type { TestServer } from './moda-server.js';

const SESSION_ID = randomBytes(16).toString('hex');
export const SDK_USER_AGENT = `modelscope/1.30.0; python/3.11.9; session_id/${SESSION_ID}; platform/Linux-6.1.0-x86_64-with-glibc2.36; processor/x86_64; env/custom; user/unknown`;

export interface EnvelopeBody<T = Record<string, unknown>> {
  Code: number;
  Success: boolean;
  Message: string;
  Data: T;
  RequestId: string;
  ErrorCode?: string;
}

export interface SdkReply<T> {
  status: number;
  body: EnvelopeBody<T>;
  headers: Headers;
  /** The X-Request-ID the call sent. */
  requestId: string;
}

type Body = { json: unknown } | { data: string } | undefined;

export class SdkSession {
  /** `token` becomes the m_session_id cookie (what a logged-in SDK sends); undefined: anonymous. */
  constructor(
    private readonly server: TestServer,
    public token?: string,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'user-agent': SDK_USER_AGENT,
      'X-Request-ID': randomUUID().replace(/-/g, ''),
      ...(this.token !== undefined && { cookie: `m_session_id=${this.token}` }),
      ...extra,
    };
  }

  /** Raw call; `url` may be absolute (an upload href) or a path on the server. */
  fetch(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(url.startsWith('http') ? url : `${this.server.url}${url}`, { ...init, headers: this.headers(init.headers) });
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: Body, extraHeaders: Record<string, string> = {}): Promise<SdkReply<T>> {
    const headers = this.headers(extraHeaders);
    let payload: Uint8Array | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = Buffer.from(JSON.stringify(body.json));
    } else if (body && 'data' in body) {
      payload = Buffer.from(body.data);
    }
    const response = await fetch(`${this.server.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: EnvelopeBody<T>;
    try {
      parsed = JSON.parse(text) as EnvelopeBody<T>;
    } catch {
      throw new Error(`${method} ${path}: ${response.status} answered non-JSON: ${text.slice(0, 200)}`);
    }
    return { status: response.status, body: parsed, headers: response.headers, requestId: headers['X-Request-ID'] ?? '' };
  }
}

/** Sends a body with Transfer-Encoding: chunked, as requests does for a generator (SDK 1.30 uploads). */
export function chunkedBody(content: Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= content.length) return controller.close();
      controller.enqueue(content.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}
