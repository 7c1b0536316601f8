// Benchmark: how fast the web UI's home and a repo page become interactive in a real browser on
// loopback with the starter catalog loaded, and how much JavaScript the first page ships (issue 6:
// interactive in < 1 s, first-page JS < 300 KB gzipped). Debian chromium, driven by playwright-core,
// loads each page in a fresh browser context (cold cache) and again in one shared context (warm
// cache); the page itself measures with the Performance API (bench/lib/page-probe.ts).
// Part of `npm run bench`, or alone: `node --import tsx bench/web-ui.ts`.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { BenchContext, BenchResult, Benchmark, ResultRow, Target } from './lib/bench-types.js';
import { startModa } from './lib/moda-server.js';
import { blockingTimeMs, PROBE_COLLECT, PROBE_DONE, probeScript, type ContentCondition, type LoadTiming } from './lib/page-probe.js';
import { tableOf } from './lib/render-results.js';
import { median } from './lib/stats.js';
import { waitUntilReady } from './lib/wait-ready.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const CONTEXT_OPTIONS = { viewport: { width: 1280, height: 900 }, locale: 'zh-CN' };
/** Timed loads per page and cache state; the median is reported. */
const LOADS = 7;
const INTERACTIVE_TARGET_MS = 1000;
/** The issue's "300 KB", read as 300 000 bytes (the stricter reading). */
const FIRST_PAGE_JS_TARGET_KB = 300;
const LOAD_TIMEOUT_MS = 30_000;
const REPO = 'moda/ocr-ppocrv4-zh';

interface PageSpec {
  name: string;
  path: string;
  /** What "content rendered" means for this page, in words for the method text. */
  contentText: string;
  condition: ContentCondition;
  /** Checks the rendered content is the real thing; throws otherwise. */
  verify(page: Page): Promise<void>;
}

const PAGES: PageSpec[] = [
  {
    name: 'home',
    path: '/',
    contentText: 'the task catalog with per-task model counts and the "recently updated" model list are rendered from the API, with no loading indicator left',
    condition: { ready: ['.home .task-grid .task-chip', '.home [data-testid="repo-list"] .repo-card'], busy: '.home .loading' },
    async verify(page) {
      const chips = await page.locator('.home .task-chip').count();
      const repos = await page.locator('.home [data-testid="repo-list"] .repo-name').allTextContents();
      if (chips === 0 || !repos.some((name) => name.startsWith('moda/'))) throw new Error(`home page without the catalog: ${chips} task chips, repos ${JSON.stringify(repos)}`);
    },
  },
  {
    name: `repo page /${REPO}`,
    path: `/${REPO}`,
    contentText: "the model card (the repo's README.md fetched from the API and rendered from Markdown) shows its heading, with no loading indicator left",
    condition: { ready: ['.repo-page [data-testid="model-card"] h1'], busy: '.repo-page .loading' },
    async verify(page) {
      const heading = await page.locator('.repo-page [data-testid="model-card"] h1').first().textContent();
      if (!heading?.includes('PP-OCRv4')) throw new Error(`repo page shows the wrong card heading: ${JSON.stringify(heading)}`);
    },
  },
];

async function newContext(browser: Browser, spec: PageSpec): Promise<BrowserContext> {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  await context.addInitScript({ content: probeScript(spec.condition) });
  return context;
}

/** One navigation in a new tab of `context`, measured by the probe; the tab is closed afterwards. */
async function measureLoad(context: BrowserContext, url: string, spec: PageSpec): Promise<LoadTiming> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
    try {
      // Polling by interval rather than per animation frame keeps the waiting off the page's frames.
      await page.waitForFunction(PROBE_DONE, undefined, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    } catch (error) {
      const text = await page.evaluate('document.body.innerText.slice(0, 600)').catch(() => '');
      throw new Error(`${spec.name}: content never became interactive (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); page text: ${JSON.stringify(text)}`, { cause: error });
    }
    const timing = (await page.evaluate(PROBE_COLLECT)) as LoadTiming;
    await spec.verify(page);
    if (errors.length > 0) throw new Error(`${spec.name}: errors in the page: ${errors.join('; ')}`);
    return timing;
  } finally {
    await page.close();
  }
}

interface PageRuns {
  spec: PageSpec;
  cold: LoadTiming[];
  warm: LoadTiming[];
}

async function measurePage(browser: Browser, baseUrl: string, spec: PageSpec, log: (message: string) => void): Promise<PageRuns> {
  const url = `${baseUrl}${spec.path}`;
  // One untimed load first, so the server's own caches and JIT are warm as on a running hub.
  const warmUp = await newContext(browser, spec);
  await measureLoad(warmUp, url, spec).finally(() => warmUp.close());
  const cold: LoadTiming[] = [];
  for (let index = 0; index < LOADS; index++) {
    const context = await newContext(browser, spec);
    try {
      cold.push(await measureLoad(context, url, spec));
    } finally {
      await context.close();
    }
  }
  const shared = await newContext(browser, spec);
  const warm: LoadTiming[] = [];
  try {
    await measureLoad(shared, url, spec); // fills the HTTP cache of this context
    for (let index = 0; index < LOADS; index++) warm.push(await measureLoad(shared, url, spec));
  } finally {
    await shared.close();
  }
  log(`web-ui: ${spec.name}: interactive p50 ${median(cold.map((each) => each.interactiveMs)).toFixed(0)} ms cold, ${median(warm.map((each) => each.interactiveMs)).toFixed(0)} ms warm`);
  return { spec, cold, warm };
}

interface ScriptSizes {
  files: { path: string; bytes: number; gzipBytes: number; wireBytes: number }[];
  bytes: number;
  gzipBytes: number;
  wireBytes: number;
}

/** The JS files a load fetched, sized from the build folder (gzip -9) and as they came over the wire. */
async function scriptSizes(timing: LoadTiming, distDir: string): Promise<ScriptSizes> {
  const files = await Promise.all(
    timing.scripts.map(async (script) => {
      const file = resolve(distDir, `.${script.path}`);
      if (!file.startsWith(distDir + sep) || !existsSync(file)) throw new Error(`the page loaded ${script.path}, which is not in ${distDir}: the server serves another build`);
      const body = await readFile(file);
      return { path: script.path, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length, wireBytes: script.encodedBodySize };
    }),
  );
  const sum = (pick: (file: (typeof files)[number]) => number) => files.reduce((total, file) => total + pick(file), 0);
  return { files, bytes: sum((file) => file.bytes), gzipBytes: sum((file) => file.gzipBytes), wireBytes: sum((file) => file.wireBytes) };
}

const p50 = (timings: readonly LoadTiming[], pick: (timing: LoadTiming) => number) => median(timings.map(pick));
const INFO: Target = { kind: 'info' };
const kB = (bytes: number) => bytes / 1000;

function pageRows({ spec, cold, warm }: PageRuns): ResultRow[] {
  const row = (metric: string, value: number, target: Target = INFO): ResultRow => ({ metric: `${spec.name}: ${metric}`, unit: 'ms', value, target });
  return [
    row('interactive, cold cache, p50', p50(cold, (each) => each.interactiveMs), { kind: 'below', max: INTERACTIVE_TARGET_MS }),
    row('interactive, cold cache, max', Math.max(...cold.map((each) => each.interactiveMs))),
    row('content rendered, cold cache, p50', p50(cold, (each) => each.contentMs)),
    row('responseStart, cold cache, p50', p50(cold, (each) => each.responseStartMs)),
    row('domInteractive, cold cache, p50', p50(cold, (each) => each.domInteractiveMs)),
    row('DOMContentLoaded end, cold cache, p50', p50(cold, (each) => each.domContentLoadedMs)),
    row('load event end, cold cache, p50', p50(cold, (each) => each.loadMs)),
    row('blocking time until interactive, cold cache, p50', p50(cold, (each) => blockingTimeMs(each))),
    row('interactive, warm cache, p50', p50(warm, (each) => each.interactiveMs)),
    row('load event end, warm cache, p50', p50(warm, (each) => each.loadMs)),
    row('blocking time until interactive, warm cache, p50', p50(warm, (each) => blockingTimeMs(each))),
  ];
}

function pageNotes({ spec, cold, warm }: PageRuns): string[] {
  const list = (timings: readonly LoadTiming[]) => timings.map((each) => each.interactiveMs.toFixed(0)).join(', ');
  const fcp = cold.map((each) => each.firstContentfulPaintMs).filter((value): value is number => value !== undefined);
  const longTasks = (timings: readonly LoadTiming[]) => timings.flatMap((each) => each.longTasks);
  const afterInteractive = (timings: readonly LoadTiming[]) => timings.flatMap((each) => each.longTasks.filter((task) => task.startMs >= each.interactiveMs)).length;
  const warmScriptsFetched = warm.flatMap((each) => each.scripts).filter((script) => script.transferSize > 0).length;
  const requestText = (timing: LoadTiming) => {
    const slowest = [...timing.requests].sort((a, b) => b.responseEndMs - b.startMs - (a.responseEndMs - a.startMs))[0];
    const first = Math.min(...timing.requests.map((request) => request.startMs));
    const last = Math.max(...timing.requests.map((request) => request.responseEndMs));
    return `${timing.requests.length} requests, first sent at ${first.toFixed(0)} ms, last answered at ${last.toFixed(0)} ms${slowest ? `, slowest ${slowest.path} ${(slowest.responseEndMs - slowest.startMs).toFixed(0)} ms` : ''}`;
  };
  const medianLoad = [...cold].sort((a, b) => a.interactiveMs - b.interactiveMs)[Math.floor(cold.length / 2)]!;
  return [
    `${spec.name}: API requests of the median cold load (interactive ${medianLoad.interactiveMs.toFixed(0)} ms): ${medianLoad.requests.length > 0 ? requestText(medianLoad) : 'none'}; its scripts had arrived at ${Math.max(...medianLoad.scripts.map((script) => script.responseEndMs)).toFixed(0)} ms, DOMContentLoaded ended at ${medianLoad.domContentLoadedMs.toFixed(0)} ms.`,
    `${spec.name}: interactive per load (ms) cold ${list(cold)}; warm ${list(warm)}.${fcp.length > 0 ? ` First contentful paint, cold, p50 ${median(fcp).toFixed(0)} ms.` : ''}`,
    `${spec.name}: long tasks (> 50 ms) seen: ${longTasks(cold).length} over ${cold.length} cold loads (longest ${Math.max(0, ...longTasks(cold).map((task) => task.durationMs)).toFixed(0)} ms), ${longTasks(warm).length} over ${warm.length} warm loads; ${afterInteractive(cold) + afterInteractive(warm)} of them started after the interactive mark. Warm loads fetched ${warmScriptsFetched} script(s) over the network (0 = all from the HTTP cache).`,
  ];
}

async function run(context: BenchContext): Promise<BenchResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: apt-get install -y chromium`);
  const distDir = process.env.MODA_WEB_DIST ? resolve(process.env.MODA_WEB_DIST) : join(context.repoRoot, 'web/dist');
  if (!existsSync(join(distDir, 'index.html'))) throw new Error(`no UI build in ${distDir}: run npm run build:web (or drop --no-build)`);

  const moda = await startModa({ repoRoot: context.repoRoot, home: join(context.workDir, 'web-ui-home'), nodeFlags: context.modaNodeFlags, catalog: true });
  let browser: Browser | undefined;
  try {
    context.log('web-ui: waiting for the starter catalog import (/readyz)');
    const readyMs = await waitUntilReady(moda.url, 600_000);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(`${moda.url}/`, { headers: { accept: 'text/html' } })).text())?.[1];
    if (!asset) throw new Error('the served index.html names no /assets/*.js entry script');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const version = browser.version();
    const runs: PageRuns[] = [];
    for (const spec of PAGES) runs.push(await measurePage(browser, moda.url, spec, context.log));
    // Asked after the loads, as the browser asks: the server may compress in the background at first.
    const contentEncoding = (await fetch(`${moda.url}${asset}`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } })).headers.get('content-encoding');

    // A cold load always fetches the entry script; none in resource timing means the probe saw nothing.
    if (runs.some((each) => each.cold.some((timing) => timing.scripts.length === 0))) throw new Error('a cold load reported no scripts in resource timing');
    const homeScripts = await scriptSizes(runs[0]!.cold[0]!, distDir);
    const repoScripts = await scriptSizes(runs[1]!.cold[0]!, distDir);
    const distText = process.env.MODA_WEB_DIST ? `MODA_WEB_DIST=${distDir}` : relative(context.repoRoot, distDir);

    return {
      id: 'web-ui',
      title: 'Web UI: time to interactive and first-page JavaScript',
      method: [
        `\`moda serve\` on loopback with the starter catalog imported at start (MODA_CATALOG=1; ready after ${(readyMs / 1000).toFixed(0)} s), serving the UI build in ${distText}; assets are sent ${contentEncoding ? `with content-encoding ${contentEncoding}` : 'uncompressed (no content-encoding)'}.`,
        `Browser: Debian chromium ${version} (headless, ${CHROMIUM_ARGS.filter((arg) => arg !== '--headless').join(' ')}), driven by playwright-core; viewport 1280×900, locale zh-CN, no CPU or network throttling.`,
        `Per page: one untimed load (warms the server), then ${LOADS} cold-cache loads, each in a fresh browser context, and ${LOADS} warm-cache loads, each in a new tab of one context whose HTTP cache a first untimed load filled.`,
        'All times are measured in the page with the Performance API, in ms from navigation start: responseStart, domInteractive, domContentLoadedEventEnd and loadEventEnd from navigation timing; a probe installed before the page’s scripts checks on every DOM mutation whether the content is rendered.',
        ...PAGES.map((spec) => `Content rendered, ${spec.name}: ${spec.contentText}.`),
        'Interactive = content rendered and the main thread free: after the content appears, the next requestAnimationFrame (the frame that paints it) queues a setTimeout(0), and the time that task runs is the interactive mark — every task queued before it (script evaluation, rendering, API responses) has finished, so input would be handled at once.',
        'Blocking time = the part beyond 50 ms of each PerformanceObserver `longtask` entry that started before the interactive mark (as total blocking time is counted).',
        `First-page JavaScript = every .js file the home page’s cold load fetched (resource timing), each compressed with Node's zlib gzip at level 9 from the build folder; "as sent" is the sum of resource timing's encodedBodySize. Target: interactive below ${INTERACTIVE_TARGET_MS} ms cold (p50 of ${LOADS}); first-page JS below ${FIRST_PAGE_JS_TARGET_KB} kB (1 kB = 1000 bytes) gzipped.`,
      ],
      rows: [
        ...runs.flatMap(pageRows),
        { metric: 'first-page JavaScript (home), gzip -9', unit: 'kB', value: kB(homeScripts.gzipBytes), target: { kind: 'below', max: FIRST_PAGE_JS_TARGET_KB } },
        { metric: 'first-page JavaScript (home), uncompressed', unit: 'kB', value: kB(homeScripts.bytes), target: INFO },
        { metric: 'first-page JavaScript (home), as sent', unit: 'kB', value: kB(homeScripts.wireBytes), target: INFO },
        { metric: `repo page JavaScript, gzip -9`, unit: 'kB', value: kB(repoScripts.gzipBytes), target: INFO },
      ],
      notes: [
        ...runs.flatMap(pageNotes),
        `Home page scripts: ${homeScripts.files.map((file) => `${file.path} ${kB(file.bytes).toFixed(1)} kB (${kB(file.gzipBytes).toFixed(1)} kB gzipped)`).join(', ')}.`,
        `Repo page scripts: ${repoScripts.files.map((file) => file.path).join(', ')}.`,
      ],
    };
  } finally {
    await browser?.close();
    await moda.stop();
  }
}

export const webUi: Benchmark = { id: 'web-ui', run };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const workDir = await mkdtemp('/tmp/moda-bench-web-ui-');
  try {
    const result = await run({
      workDir,
      repoRoot: fileURLToPath(new URL('..', import.meta.url)),
      modaNodeFlags: [],
      bigFile: () => Promise.reject(new Error('the web-ui benchmark needs no big file')),
      log: (message) => process.stderr.write(`[bench] ${message}\n`),
    });
    process.stdout.write([`## ${result.title}`, '', ...result.method.map((line) => `- ${line}`), '', tableOf(result), '', ...result.notes.map((note) => `- ${note}`), ''].join('\n'));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
