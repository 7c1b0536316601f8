// How the eval job's sample loop sends one request and gets its JSON answer. The job process shares
// the machine's cores with the server and the model child, so the CPU it spends per sample is taken
// from them: measured on the OCR eval bench, global `fetch` (undici's WHATWG layer: Request/Headers
// objects, web streams, an AbortSignal per request) cost about 8 ms of the job's main thread per
// sample against 1.5 ms for the serving bench's node:http client. `httpSampleSender` is that plain
// node:http client — keep-alive sockets, one per sample in flight, the body written from the bytes as
// read, the answer collected into one buffer and parsed once — with ModaClient's error mapping, so the
// loop sees the same ModaError codes either way. `clientSampleSender` goes through a ModaClient (its
// injected fetch), for callers and tests that have only a client.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ModaClient } from '../client/moda-client.js';
import { errorFromFetchFailure, errorFromResponse } from '../client/response-error.js';

export interface SampleRequest {
  /** Path and query on the server, e.g. `/api/v1/models/ns/name/pipeline?revision=…`. */
  path: string;
  body: string | Uint8Array;
  contentType: string;
  signal: AbortSignal;
  /** What the request does, for error messages: `sample 12`. */
  what: string;
}

export interface SampleSender {
  /** The answer's JSON; a non-2xx answer throws its ModaError, an unreachable server UPSTREAM_UNAVAILABLE. */
  send(request: SampleRequest): Promise<unknown>;
  /** Closes idle connections; requests still in flight finish. */
  close(): void;
}

export function clientSampleSender(client: ModaClient): SampleSender {
  return {
    send: (request) => client.requestJson<unknown>(request.path, { method: 'POST', headers: { 'content-type': request.contentType }, body: request.body, signal: request.signal, what: request.what }),
    close: () => undefined,
  };
}

interface RawAnswer {
  status: number;
  statusText: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** Node's header object as fetch Headers (only built for failed answers). */
function headersOf(headers: IncomingMessage['headers']): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, item);
  }
  return result;
}

export function httpSampleSender(options: { endpoint: string; token: string | undefined; sockets: number }): SampleSender {
  const base = new URL(options.endpoint);
  const secure = base.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: options.sockets }) : new HttpAgent({ keepAlive: true, maxSockets: options.sockets });
  const send = secure ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, '');

  const once = (request: SampleRequest, body: Buffer): Promise<RawAnswer> =>
    new Promise<RawAnswer>((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-type': request.contentType, 'content-length': body.byteLength, accept: 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const outgoing = send({ protocol: base.protocol, hostname: base.hostname, port: base.port, path: `${prefix}${request.path}`, method: 'POST', agent, headers, signal: request.signal }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed just as this request went out: sent again once on a
        // fresh one (a pipeline request has no side effect), as node's docs advise for reused sockets.
        if (outgoing.reusedSocket && error.code === 'ECONNRESET' && !request.signal.aborted) once(request, body).then(resolve, reject);
        else reject(error);
      });
      outgoing.end(body);
    });

  return {
    async send(request) {
      // No copy: a Buffer view over the bytes as the dataset reader gave them.
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
      const url = `${base.origin}${prefix}${request.path}`;
      let answer: RawAnswer;
      try {
        answer = await once(request, body);
      } catch (error) {
        throw errorFromFetchFailure(error, url, request.signal);
      }
      if (answer.status < 200 || answer.status >= 300) {
        // Failures take ModaClient's mapping, so codes and messages are the same as through fetch.
        throw await errorFromResponse(new Response(answer.body.byteLength > 0 ? answer.body : null, { status: answer.status, statusText: answer.statusText, headers: headersOf(answer.headers) }), request.what);
      }
      const text = answer.body.toString('utf8');
      return text === '' ? {} : (JSON.parse(text) as unknown);
    },
    close: () => agent.destroy(),
  };
}
