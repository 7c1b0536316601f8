// Runs one smart HTTP request through `git http-backend` (the CGI program that ships with git):
// the request body streams into its stdin, its CGI header block becomes the HTTP status and
// headers, and the rest of its stdout streams back. Packs are never held in memory here.
import { spawn } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, pipeline, type Duplex, type Readable } from 'node:stream';
import { ModaError } from '../../errors/moda-error.js';
import { MAX_CGI_HEAD_BYTES, parseCgiHead, type CgiHead } from './parse-cgi-head.js';

export interface HttpBackendRequest {
  /** The bare repository; becomes GIT_PROJECT_ROOT so PATH_INFO can name nothing outside it. */
  gitDir: string;
  method: 'GET' | 'POST';
  /** `/info/refs`, `/git-upload-pack` or `/git-receive-pack`. */
  pathInfo: string;
  queryString: string;
  headers: IncomingHttpHeaders;
  /** The request body (POST), piped as is: http-backend itself inflates `Content-Encoding: gzip`. */
  body?: Readable;
  /** The authenticated user; git records it as the pusher. */
  remoteUser: string | null;
  remoteAddr: string;
  /** Command-scoped git config; it wins over the repository's own config. */
  config: Record<string, string>;
  /** Ends the child when the client goes away. */
  signal: AbortSignal;
  /**
   * Awaited after the process exits and before the response body ends, so a client that has seen
   * the end of a push also sees what this does (e.g. the search index following the new head).
   */
  afterExit?: (exitCode: number) => Promise<void>;
  /**
   * Given a socket that http-backend gets as file descriptor 3 and passes on to receive-pack and
   * its hooks (see pre-receive-hook.ts).
   */
  hookChannel?: (channel: Duplex) => void;
  /** Receives what http-backend writes to stderr (already bounded). */
  log?: (message: string) => void;
  /** Ends the transfer when no bytes move either way for this long (a stalled or idling client). */
  idleTimeoutMs: number;
  /** Ends the transfer when the request body has not fully arrived after this long. */
  bodyTimeoutMs: number;
  /** Called once when the child process is gone (its slot in the limiter can be given back). */
  onExit?: () => void;
}

export interface HttpBackendResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

const MAX_STDERR_BYTES = 16 * 1024;

export function runHttpBackend(request: HttpBackendRequest): Promise<HttpBackendResponse> {
  const configEntries = Object.entries(request.config);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // The server's git must never read the operator's config or prompt for anything.
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    GIT_PROJECT_ROOT: request.gitDir,
    PATH_INFO: request.pathInfo,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: request.method,
    QUERY_STRING: request.queryString,
    REMOTE_ADDR: request.remoteAddr,
    GIT_CONFIG_COUNT: String(configEntries.length),
  };
  configEntries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  if (request.remoteUser) env.REMOTE_USER = request.remoteUser;
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const cgiHeaders = { CONTENT_TYPE: 'content-type', CONTENT_LENGTH: 'content-length', HTTP_CONTENT_ENCODING: 'content-encoding', HTTP_GIT_PROTOCOL: 'git-protocol' };
  for (const [variable, name] of Object.entries(cgiHeaders)) {
    const value = header(name);
    if (value !== undefined) env[variable] = value;
  }

  // The client leaving or a timeout ends the child alike; a timeout is answered 408 if nothing was sent yet.
  const stop = new AbortController();
  let timedOut: string | undefined;
  const timeout = (reason: string) => {
    timedOut ??= reason;
    stop.abort();
    // A stalled client gets no answer: its connection is closed (a 408 would wait for the body).
    request.body?.destroy();
  };
  if (request.signal.aborted) stop.abort();
  else request.signal.addEventListener('abort', () => stop.abort(), { once: true });
  let idle = setTimeout(() => timeout(`no bytes moved for ${request.idleTimeoutMs} ms`), request.idleTimeoutMs);
  const active = () => {
    clearTimeout(idle);
    if (!stop.signal.aborted) idle = setTimeout(() => timeout(`no bytes moved for ${request.idleTimeoutMs} ms`), request.idleTimeoutMs);
  };
  const bodyTimer = request.body ? setTimeout(() => timeout(`the request body took longer than ${request.bodyTimeoutMs} ms`), request.bodyTimeoutMs) : undefined;
  request.body?.on('data', active);
  request.body?.on('end', () => clearTimeout(bodyTimer));

  const child = spawn('git', ['http-backend'], {
    env,
    stdio: request.hookChannel ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    signal: stop.signal,
    killSignal: 'SIGTERM',
  });
  child.stdout.on('data', active);
  if (request.hookChannel) request.hookChannel(child.stdio[3] as Duplex);
  const stderr: Buffer[] = [];
  let stderrBytes = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk.subarray(0, MAX_STDERR_BYTES - stderrBytes));
    stderrBytes += chunk.length;
  });
  const stderrText = () => Buffer.concat(stderr).toString('utf8').trim();
  let spawnError: Error | undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, signal) => {
      clearTimeout(idle);
      clearTimeout(bodyTimer);
      request.body?.off('data', active);
      request.onExit?.();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  // Runs once whatever happens to the response stream (a push that landed must still be indexed).
  const settled = exited.then(async (code) => {
    const text = stderrText();
    if (text) request.log?.(text);
    await request.afterExit?.(code).catch((error: unknown) => request.log?.(`after git http-backend: ${String(error)}`));
    return code;
  });

  // A child that exits before reading all input (or a client that aborts) is not an error here.
  child.stdin.on('error', () => undefined);
  if (request.body) pipeline(request.body, child.stdin, () => undefined);
  else child.stdin.end();

  return new Promise<HttpBackendResponse>((resolve, reject) => {
    let pending: Buffer = Buffer.alloc(0);
    let head: CgiHead | undefined;
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (head) return callback(null, chunk);
        pending = Buffer.concat([pending, chunk]);
        head = parseCgiHead(pending);
        if (!head) {
          if (pending.length > MAX_CGI_HEAD_BYTES) callback(new ModaError('INTERNAL', 'git http-backend sent no CGI header block'));
          else callback();
          return;
        }
        resolve({ status: head.status, headers: head.headers, body });
        callback(null, head.rest.length > 0 ? head.rest : undefined);
      },
      flush(callback) {
        void settled.then((code) => {
          if (timedOut !== undefined) reject(new ModaError('GIT_TRANSFER_TIMEOUT', `git transfer ended: ${timedOut}`));
          else if (request.signal.aborted) reject(new ModaError('BAD_REQUEST', 'the client went away'));
          else if (!head) {
            const reason = spawnError ? `could not start: ${spawnError.message}` : `exited with ${code}: ${stderrText() || 'no output'}`;
            reject(new ModaError('INTERNAL', `git http-backend ${reason}`));
          }
          callback();
        });
      },
    });
    body.on('error', (error) => {
      // Nobody reads its output any more; a blocked child would otherwise linger.
      child.kill('SIGTERM');
      reject(error);
    });
    child.stdout.pipe(body);
  });
}
