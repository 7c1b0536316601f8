// Fetches the bytes behind an inference input given as an http(s) URL, as a stranger's request may
// ask the server to: the host is resolved here and the connection goes to the very address that
// was checked (so DNS rebinding cannot swap it), only public addresses unless the operator allowed
// more, redirects followed by hand and checked again at each hop, every step under a timeout, the
// body under a size cap, and the whole fetch cancelled with the request. Every failure reads the
// same (INPUT_FETCH_FAILED), so the answers tell nothing about what lies behind an address.
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { ModaError } from '../../errors/moda-error.js';
import { classifyAddress } from './classify-address.js';
import type { FetchAllowlist } from './fetch-allowlist.js';

export interface InputFetchOptions {
  allowlist: FetchAllowlist;
  /** Longest wait for the response to start and between two reads. */
  connectTimeoutMs: number;
  /** Longest time for the whole fetch, redirects and body included. */
  timeoutMs: number;
  maxBytes: number;
  /** Bytes left to the fetches of one request together, taken as they arrive. */
  shared?: { bytesLeft: number };
  /** Default 3. */
  maxRedirects?: number;
  /** The request's own signal: the client went away. */
  signal?: AbortSignal;
  /** Every address of a host name; the system resolver by default. */
  resolve?: (hostname: string) => Promise<string[]>;
  /** Told each address right before a connection to it is opened (tests check nothing else is). */
  connecting?: (address: string, port: number) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 3;

export function inputFetchFailed(cause?: unknown): ModaError {
  return new ModaError('INPUT_FETCH_FAILED', undefined, { cause });
}

async function systemResolve(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
}

/** The address to connect to for `url`, once every address the host has is allowed. */
async function checkedAddress(url: URL, options: InputFetchOptions, signal: AbortSignal): Promise<string> {
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') throw new Error(`refused URL form ${url.protocol}`);
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(literal)) addresses = [literal];
  else {
    const resolving = (options.resolve ?? systemResolve)(url.hostname);
    addresses = await Promise.race([resolving, aborted(signal)]);
  }
  if (addresses.length === 0) throw new Error('the host has no address');
  // A host with one forbidden address among public ones is refused too: the choice is not ours.
  const forbidden = addresses.find((address) => classifyAddress(address) !== 'public' && !options.allowlist.allows(url.hostname, address));
  if (forbidden !== undefined) throw new Error(`refused address ${forbidden} (${classifyAddress(forbidden)})`);
  return addresses[0]!;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** One GET to `address`, resolving when the response headers are in. */
function get(url: URL, address: string, options: InputFetchOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  options.connecting?.(address, port);
  return new Promise((resolve, reject) => {
    const literal = isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0;
    const request = (secure ? httpsRequest : httpRequest)({
      host: address,
      port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      // The certificate is checked against the name in the URL, not the address connected to.
      ...(secure && !literal && { servername: url.hostname }),
      headers: { host: url.host, 'user-agent': 'Moda', accept: '*/*', 'accept-encoding': 'identity' },
      agent: false,
      signal,
    });
    const headersTimer = setTimeout(() => request.destroy(new Error('no response in time')), options.connectTimeoutMs);
    // Idle between reads, once the response streams.
    request.setTimeout(options.connectTimeoutMs, () => request.destroy(new Error('read timed out')));
    request.once('response', (response) => {
      clearTimeout(headersTimer);
      resolve(response);
    });
    request.once('error', (error) => {
      clearTimeout(headersTimer);
      reject(error);
    });
    request.end();
  });
}

async function readBody(response: IncomingMessage, maxBytes: number, shared: { bytesLeft: number } = { bytesLeft: Infinity }): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > Math.min(maxBytes, shared.bytesLeft)) throw new Error(`declared ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    shared.bytesLeft -= (chunk as Buffer).length;
    if (size > maxBytes || shared.bytesLeft < 0) throw new Error(`more than ${maxBytes} bytes, or more than the request may fetch`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body behind `url`; INPUT_FETCH_FAILED for any failure, REQUEST_CANCELLED when the client left. */
export async function fetchInput(url: string, options: InputFetchOptions): Promise<Buffer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('the fetch timed out')), options.timeoutMs);
  const cancel = () => controller.abort(new Error('the client went away'));
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) cancel();
  let response: IncomingMessage | undefined;
  try {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      const address = await checkedAddress(current, options, controller.signal);
      response = await get(current, address, options, controller.signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        const location = response.headers.location;
        response.destroy();
        if (location === undefined || hop >= (options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) throw new Error(`redirect ${hop + 1} refused`);
        current = new URL(location, current);
        continue;
      }
      if (status < 200 || status >= 300) throw new Error(`answered ${status}`);
      return await readBody(response, options.maxBytes, options.shared);
    }
  } catch (error) {
    response?.destroy();
    if (options.signal?.aborted) throw new ModaError('REQUEST_CANCELLED', undefined, { cause: error });
    throw inputFetchFailed(error);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
  }
}
