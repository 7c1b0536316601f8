// External programs start inside the server's limits: address space and CPU time from prlimit, no
// network but loopback, and the `nobody` user when the server is root. Observed from inside the
// spawned process (/proc/self/limits, /proc/net/dev, id -u), through the real run-tesseract and
// run-espeak paths where they can be observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEspeak } from '../audio/run-espeak.js';
import { runTesseract } from '../tesseract/run-tesseract.js';
import { NOBODY, sandboxCommand, sandboxLimits } from './sandbox-command.js';

const root = process.getuid?.() === 0;
const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
};
const PROBE = 'id -u; grep -E "^Max (address space|cpu time|processes)" /proc/self/limits; tail -n +3 /proc/net/dev | cut -d: -f1';

interface Observed {
  uid: number;
  addressSpace: string;
  cpuTime: string;
  interfaces: string[];
}

function parseProbe(output: string): Observed {
  const lines = output.trim().split('\n');
  const limit = (name: string) => lines.find((line) => line.startsWith(`Max ${name}`))?.split(/\s{2,}/)[1] ?? '';
  return { uid: Number(lines[0]), addressSpace: limit('address space'), cpuTime: limit('cpu time'), interfaces: lines.filter((line) => /^\s*\w+$/.test(line) && !/^\d+$/.test(line)).map((line) => line.trim()) };
}

function expectLimited(observed: Observed, asNobody: boolean): void {
  if (has('prlimit')) {
    assert.equal(observed.addressSpace, String(sandboxLimits().memoryBytes));
    assert.equal(observed.cpuTime, String(sandboxLimits().cpuSeconds));
  }
  if (root && has('unshare')) assert.deepEqual(observed.interfaces, ['lo'], 'only loopback in the new network namespace');
  if (root && asNobody && has('setpriv')) assert.equal(observed.uid, NOBODY);
  if (!root) assert.equal(observed.uid, process.getuid?.());
}

void test('a sandboxed command runs with the limits, as nobody where asked and the server is root', () => {
  for (const asNobody of [true, false]) {
    const { command, args, applied } = sandboxCommand('sh', ['-c', PROBE], { asNobody });
    const observed = parseProbe(execFileSync(command, args, { encoding: 'utf8' }));
    expectLimited(observed, asNobody);
    assert.equal(applied.user, asNobody && root && has('setpriv'));
    if (!asNobody) assert.equal(observed.uid, process.getuid?.());
  }
});

void test('tesseract runs through the sandbox with the server cap on its time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-sandbox-'));
  try {
    const probe = join(dir, 'probe.sh');
    await writeFile(probe, `#!/bin/sh\n${PROBE}\n`);
    await chmod(probe, 0o755);
    const output = await runTesseract({ binary: probe, tessdataDir: dir, languages: 'eng', psm: 3, oem: 1, dpi: undefined, input: probe, cwd: dir, timeoutMs: 600_000, maxOutputBytes: 65536 });
    expectLimited(parseProbe(output.tsv), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('espeak-ng, where installed, still speaks inside the sandbox (as nobody when root)', async (t) => {
  if (!has('espeak-ng')) return t.skip('espeak-ng is not installed');
  const wav = await runEspeak({ text: 'hello', voice: 'en', wordsPerMinute: 175, timeoutMs: 30_000, maxOutputBytes: 10_000_000 });
  assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
});
