// Tesseract as an untrusted model's engine: when the server is root it runs as `nobody`, reading a
// copy of the language data made for it (the snapshot cache stays closed to it), so nothing a model
// makes it open can be a file only root can read; its memory, CPU time, wall-clock time and
// process count come from the server's limits, whatever the model's configuration asks for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { dropsToNobody, NOBODY } from '../src/pipelines/limits/sandbox-command.js';
import type { RunContext } from '../src/pipelines/pipeline-implementation.js';
import { loadTesseract } from '../src/pipelines/tesseract/tesseract-pipeline.js';
import { openSnapshot, type ModelSnapshot } from '../src/runtime/model-snapshot.js';
import { loadInChild } from '../src/serve/load-in-child.js';
import { catalogSnapshot } from './helpers/catalog-snapshot.js';
import { characterAccuracy, renderTextLines } from './fixtures/render-text-image.js';

const root = process.getuid?.() === 0;
const context: RunContext = { maxImagePixels: 40_000_000, fetch: globalThis.fetch };
const scratchDirs: string[] = [];
let snapshot: ModelSnapshot;

async function scratch(mode: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'moda-tesseract-sandbox-'));
  await chmod(dir, mode);
  scratchDirs.push(dir);
  return dir;
}

/** The starter model with a configuration that asks for far more than the server allows. */
async function greedySnapshot(): Promise<ModelSnapshot> {
  const dir = join(await scratch(0o700), 'snapshot');
  await cp(snapshot.dir, dir, { recursive: true });
  const configuration = JSON.parse(await readFile(join(dir, 'configuration.json'), 'utf8')) as { model?: Record<string, unknown> };
  configuration.model = { ...configuration.model, max_processes: 64, timeout_ms: 600_000 };
  await writeFile(join(dir, 'configuration.json'), JSON.stringify(configuration));
  return openSnapshot(dir, 'test/greedy-tesseract', '2'.repeat(40));
}

before(async () => {
  // mkdtemp's folders are 0700: the snapshot sits where only the server's user can go.
  snapshot = await catalogSnapshot('ocr-tesseract-chi-sim');
  scratchDirs.push(snapshot.dir);
});

after(async () => {
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

void test('tesseract reads as nobody from a copy of the language data, which goes with the model', async () => {
  if (!root) assert.equal(dropsToNobody(), false, 'only a root server drops to nobody');
  if (root) assert.equal((await stat(snapshot.dir)).mode & 0o077, 0, 'the snapshot is closed to other users');
  const before = new Set((await readdir(tmpdir())).filter((name) => name.startsWith('moda-tessdata-')));
  const reader = await loadTesseract(snapshot, { threads: 1 });
  const copies = (await readdir(tmpdir())).filter((name) => name.startsWith('moda-tessdata-') && !before.has(name));
  try {
    const line = await renderTextLines([{ text: 'Moda serves models offline', size: 30 }]);
    const [result] = await reader.read([line.png], {}, context);
    assert.ok(result && characterAccuracy('Moda serves models offline', result.text) >= 0.85, JSON.stringify(result?.text));
    if (dropsToNobody()) {
      assert.equal(copies.length, 1, 'one copy of the language data, made for nobody');
      const copy = join(tmpdir(), copies[0]!);
      const info = await stat(copy);
      assert.equal(info.uid, NOBODY);
      assert.equal(info.mode & 0o077, 0, 'the copy is closed to other users');
    } else {
      assert.equal(copies.length, 0, 'tesseract reads the snapshot itself');
    }
  } finally {
    await reader.dispose();
  }
  for (const name of copies) await assert.rejects(stat(join(tmpdir(), name)), { code: 'ENOENT' });
});

void test('a tesseract model cannot make it read a file only root can read, and its limits are the server\'s', async () => {
  // A file only root (the server's user) can read, as the server's database or keys would be.
  const secretDir = await scratch(0o700);
  const secret = join(secretDir, 'secret');
  await writeFile(secret, 'server secret\n', { mode: 0o600 });
  // Whatever tesseract a model's data could steer to open, this stand-in opens on purpose, and
  // writes down who it ran as and under which limits into a folder anyone may write to.
  const reports = await scratch(0o777);
  const probe = join(await scratch(0o755), 'probe.sh');
  await writeFile(
    probe,
    [
      '#!/bin/sh',
      `report="${reports}/$$"`,
      '{',
      '  echo "uid $(id -u)"',
      `  if cat "${secret}" >/dev/null 2>&1; then echo "secret read"; else echo "secret refused"; fi`,
      '  if [ -r "$TESSDATA_PREFIX/chi_sim.traineddata" ]; then echo "data readable"; else echo "data unreadable"; fi',
      '  grep -E "^Max (address space|cpu time)" /proc/self/limits',
      `} > "$report"`,
      // Long enough that the processes of one batch overlap, so their count shows.
      'sleep 0.5',
    ].join('\n') + '\n',
    { mode: 0o755 },
  );
  const limits = { externalMemoryBytes: 1536 * 1024 ** 2, externalTimeoutMs: 7000, externalProcesses: 1 };
  const reader = await loadTesseract(await greedySnapshot(), { threads: 8, limits }, probe);
  try {
    const white = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const loadRuns = (await readdir(reports)).length;
    assert.equal(loadRuns, 1, 'the load reads one blank page');
    const results = await reader.read([white, white, white], {}, context);
    assert.equal(results.length, 3);
    const runs = await readdir(reports);
    // The configuration's max_processes (64) loses to the server's 1: three images, one process.
    assert.equal(runs.length - loadRuns, 1, `${runs.length - loadRuns} processes read one batch`);
    for (const run of runs) {
      const report = await readFile(join(reports, run), 'utf8');
      assert.match(report, /^data readable$/m, report);
      if (dropsToNobody()) {
        assert.match(report, new RegExp(`^uid ${NOBODY}$`, 'm'), report);
        assert.match(report, /^secret refused$/m, report);
      }
      // prlimit is part of util-linux, installed wherever setpriv is.
      if (dropsToNobody()) {
        assert.match(report, new RegExp(`^Max address space\\s+${limits.externalMemoryBytes}\\s`, 'm'), report);
        // 7 s of wall-clock time, so 7 s of CPU time; not the 600 s the configuration asks for.
        assert.match(report, /^Max cpu time\s+7\s/m, report);
      }
    }
  } finally {
    await reader.dispose();
  }
});

void test('a run past the server\'s wall-clock limit is killed, whatever timeout_ms the model sets', async () => {
  const slow = join(await scratch(0o755), 'slow.sh');
  // The load's blank page answers at once; the batch's run sleeps past the limit.
  const marker = join(await scratch(0o777), 'loaded');
  await writeFile(slow, `#!/bin/sh\nif [ -e "${marker}" ]; then sleep 30; else : > "${marker}"; fi\n`, { mode: 0o755 });
  const reader = await loadTesseract(await greedySnapshot(), { threads: 1, limits: { externalTimeoutMs: 1500 } }, slow);
  try {
    const white = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const started = performance.now();
    await assert.rejects(reader.read([white], {}, context), (error: unknown) => {
      assert.match(String((error as Error).message), /did not finish within 1500 ms/);
      return true;
    });
    assert.ok(performance.now() - started < 20_000, 'killed long before its own 600 s');
  } finally {
    await reader.dispose();
  }
});

void test('in a model process of its own (the server\'s way), tesseract reads as nobody from that process\'s temporary folder', async () => {
  const model = await loadInChild({ snapshot, implementationType: 'tesseract', task: 'ocr', device: 'cpu', threads: 1 });
  try {
    const line = await renderTextLines([{ text: 'Moda serves models offline', size: 30 }]);
    const [result] = (await model.run([line.png], {}, context)) as { text: string }[];
    assert.ok(result && characterAccuracy('Moda serves models offline', result.text) >= 0.85, JSON.stringify(result?.text));
  } finally {
    await model.dispose();
  }
});
