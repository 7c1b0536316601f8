// The app's side of the early requests index.html starts before the bundle runs: a fetch for the
// API client that answers a GET with the early response for the same URL and token, once, and
// otherwise fetches as usual. Early answers are for the page the browser opened; the first
// navigation inside the app drops the ones no page took, so nothing stale is ever served.

interface EarlyFetches {
  /** The Authorization header the early requests carried, null when anonymous. */
  authorization: string | null;
  /** Absolute URL → its response, until taken. */
  responses: Map<string, Promise<Response>>;
}

declare global {
  interface Window {
    __modaEarlyFetch?: EarlyFetches;
  }
}

/** A file read at a commit: `…/resolve/{sha}/{path}`. */
const AT_COMMIT = /^(.*\/resolve\/)([0-9a-f]{40})(\/.*)$/;

function takeEarly(url: string, init: RequestInit | undefined): Promise<Response> | undefined {
  const early = window.__modaEarlyFetch;
  if (early === undefined) return undefined;
  if ((init?.method ?? 'GET').toUpperCase() !== 'GET' || init?.body != null) return undefined;
  const headers = new Headers(init?.headers);
  if (headers.get('authorization') !== early.authorization) return undefined;
  // Only the Authorization header was sent early; a request with others (a Range) is not the same.
  headers.delete('authorization');
  if ([...headers.keys()].length > 0) return undefined;
  const take = (href: string) => {
    const response = early.responses.get(href);
    if (response !== undefined) early.responses.delete(href);
    return response;
  };
  const href = new URL(url, window.location.href).href;
  const exact = take(href);
  if (exact !== undefined) return exact;
  // The repo page's card is asked for early at HEAD, before the info names the commit. That answer
  // is the card at the commit only when the server says so (X-Repo-Commit); else ask at the commit.
  const atCommit = AT_COMMIT.exec(href);
  const atHead = atCommit && take(`${atCommit[1]}HEAD${atCommit[3]}`);
  if (!atCommit || !atHead) return undefined;
  return atHead.then(
    (response) => (response.ok && response.headers.get('x-repo-commit') === atCommit[2] ? response : window.fetch(url, init)),
    () => window.fetch(url, init),
  );
}

/** `fetch` with the early responses first; a signal aborted before the answer still rejects. */
export function fetchWithEarly(url: string, init?: RequestInit): Promise<Response> {
  const response = takeEarly(url, init);
  if (response === undefined) return window.fetch(url, init);
  const signal = init?.signal;
  if (!signal) return response;
  if (signal.aborted) return Promise.reject(signal.reason);
  return Promise.race([response, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
}

/** Drops the early answers no page took: after a navigation they would describe another moment. */
export function forgetEarlyFetches(): void {
  delete window.__modaEarlyFetch;
}
