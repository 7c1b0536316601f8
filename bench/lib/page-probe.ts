// Measures one page load inside the browser with the Performance API: navigation timing, the moment
// the page's real content (rendered from API data) is in the DOM, the moment after that when the
// main thread has painted it and run a queued task (the page answers input), and long tasks.
// The in-page code is plain JavaScript in strings: functions compiled by tsx could reference its
// helpers, which do not exist in the page.

/** What makes a page "loaded" for a reader: all `ready` selectors match and `busy` matches nothing. */
export interface ContentCondition {
  ready: string[];
  busy: string;
}

export interface LongTask {
  startMs: number;
  durationMs: number;
}

export interface JsResource {
  /** Path of the script, e.g. /assets/index-abc.js. */
  path: string;
  /** Bytes on the wire before decoding (equals the file size when the server does not compress). */
  encodedBodySize: number;
  transferSize: number;
  /** When its last byte arrived, ms since navigation start. */
  responseEndMs: number;
}

/** One load, every time in milliseconds since the navigation started (performance.timeOrigin). */
export interface LoadTiming {
  responseStartMs: number;
  domInteractiveMs: number;
  domContentLoadedMs: number;
  loadMs: number;
  /** First paint with anything on it (for this UI: usually the "loading" placeholder). */
  firstContentfulPaintMs: number | undefined;
  /** The content condition first held (checked on every DOM mutation). */
  contentMs: number;
  /** After contentMs: the next animation frame (content painted) and then a setTimeout(0) task ran. */
  interactiveMs: number;
  longTasks: LongTask[];
  scripts: JsResource[];
  /** The API and file requests the page made before interactiveMs (not scripts, styles or icons). */
  requests: DataRequest[];
}

export interface DataRequest {
  /** Path and query. */
  path: string;
  startMs: number;
  responseEndMs: number;
}

/** The script to install with `context.addInitScript` before any of the page's own code runs. */
export function probeScript(condition: ContentCondition): string {
  return `(() => {
  const ready = ${JSON.stringify(condition.ready)};
  const busy = ${JSON.stringify(condition.busy)};
  const state = { longTasks: [], contentMs: undefined, interactiveMs: undefined, longTaskSupported: true };
  Object.defineProperty(window, '__modaBench', { value: state });
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.longTasks.push({ startMs: entry.startTime, durationMs: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    state.longTaskSupported = false;
  }
  const check = () => {
    if (state.contentMs !== undefined) return;
    if (!ready.every((selector) => document.querySelector(selector)) || document.querySelector(busy)) return;
    state.contentMs = performance.now();
    observer.disconnect();
    // rAF runs just before the frame that paints the content; the timeout task runs after that frame,
    // once every task queued before it (script, rendering) is done: the thread is free for input.
    requestAnimationFrame(() => setTimeout(() => { state.interactiveMs = performance.now(); }, 0));
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
})();`;
}

/** True in the page once the probe has an interactive time and the load event has finished. */
export const PROBE_DONE =
  "window.__modaBench !== undefined && window.__modaBench.interactiveMs !== undefined && (performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? 0) > 0";

/** Evaluated in the page after PROBE_DONE: the measurements as a LoadTiming. */
export const PROBE_COLLECT = `(() => {
  const state = window.__modaBench;
  if (!state.longTaskSupported) throw new Error('this browser does not report longtask entries');
  const navigation = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const scripts = performance.getEntriesByType('resource')
    .filter((entry) => new URL(entry.name).pathname.endsWith('.js'))
    .map((entry) => ({ path: new URL(entry.name).pathname, encodedBodySize: entry.encodedBodySize, transferSize: entry.transferSize, responseEndMs: entry.responseEnd }));
  const requests = performance.getEntriesByType('resource')
    .filter((entry) => !/\\.(js|css|ico|svg|png|woff2)$/.test(new URL(entry.name).pathname) && entry.startTime < state.interactiveMs)
    .map((entry) => ({ path: new URL(entry.name).pathname + new URL(entry.name).search, startMs: entry.startTime, responseEndMs: entry.responseEnd }));
  return {
    responseStartMs: navigation.responseStart,
    domInteractiveMs: navigation.domInteractive,
    domContentLoadedMs: navigation.domContentLoadedEventEnd,
    loadMs: navigation.loadEventEnd,
    firstContentfulPaintMs: paint ? paint.startTime : undefined,
    contentMs: state.contentMs,
    interactiveMs: state.interactiveMs,
    longTasks: state.longTasks.slice(),
    scripts,
    requests,
  };
})()`;

/** Total blocking time up to `untilMs`: the part of each long task beyond 50 ms, as Lighthouse counts it. */
export function blockingTimeMs(timing: LoadTiming, untilMs = timing.interactiveMs): number {
  return timing.longTasks.filter((task) => task.startMs < untilMs).reduce((sum, task) => sum + Math.max(0, task.durationMs - 50), 0);
}
