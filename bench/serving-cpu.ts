// CPU per request of Moda's server process and of its model processes with one client (and with 64),
// on the recogniser: what the server's own thread pays for each request, which the 1-client
// overhead and the throughput on shared cores both come from. `--profile=DIR` writes V8 CPU profiles
// of the server process for bench/profile-summary.ts.
// `npm run build`, then: `node --import tsx bench/serving-cpu.ts [--seconds=N] [--clients=N] [--profile=DIR] [--idle-s=N] [--env=NAME=VALUE,...]`.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from './lib/child-process.js';
import { startModa } from './lib/moda-server.js';
import { cpuSeconds } from './lib/process-cpu.js';
import { renderLineImages } from './lib/serving-inputs.js';
import { runLoad } from './lib/serving-load.js';
import { waitIdle } from './lib/serving-process.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const SECONDS = Number(argument('seconds') ?? 10);
const CLIENTS = Number(argument('clients') ?? 1);
const PROFILE = argument('profile');
/** Seconds of no requests after the warm-up, over which the server's and model processes' idle CPU is measured (0 = skip). */
const IDLE_SECONDS = Number(argument('idle-s') ?? 0);
const extraEnv = Object.fromEntries((argument('env') ?? '').split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const repo = 'moda/ocr-ppocrv4-rec-zh';

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const work = await mkdtemp(join(tmpdir(), 'moda-serving-cpu-'));
try {
  const inputs = (await renderLineImages(work)).map((line) => line.path);
  const home = join(work, 'home');
  await runChecked(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'catalog', 'import', 'ocr-ppocrv4-rec-zh', '--json'], { cwd: repoRoot, env: { ...process.env, MODA_HOME: home }, timeoutMs: 300_000 });
  const server = await startModa({ repoRoot, home, ...(PROFILE && { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] }), env: { MODA_RATE_LIMIT_INFERENCE: '0', ...extraEnv } });
  try {
    const url = `${server.url}/api/v1/models/${repo}/pipeline`;
    const pid = server.service.child.pid!;
    await runLoad({ url, bodies: inputs, contentType: 'image/png', clients: CLIENTS, warmupSeconds: 1, seconds: 3 }, repoRoot);
    for (const each of [pid, ...children(pid)]) await waitIdle(each);
    const models = children(pid);
    if (IDLE_SECONDS > 0) {
      const idleBefore = { server: await cpuSeconds(pid), models: await Promise.all(models.map(cpuSeconds)) };
      await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
      const idleAfter = { server: await cpuSeconds(pid), models: await Promise.all(models.map(cpuSeconds)) };
      const idleModels = idleAfter.models.reduce((sum, value, index) => sum + value - idleBefore.models[index]!, 0);
      process.stdout.write(`  idle for ${IDLE_SECONDS} s: server CPU ${(((idleAfter.server - idleBefore.server) * 1000) / IDLE_SECONDS).toFixed(1)} ms/s, model processes ${((idleModels * 1000) / IDLE_SECONDS).toFixed(1)} ms/s\n`);
    }
    const before = { server: await cpuSeconds(pid), models: await Promise.all(models.map(cpuSeconds)) };
    const report = await runLoad({ url, bodies: inputs, contentType: 'image/png', clients: CLIENTS, warmupSeconds: 0, seconds: SECONDS }, repoRoot);
    const after = { server: await cpuSeconds(pid), models: await Promise.all(models.map(cpuSeconds)) };
    const answered = Object.values(report.statuses).reduce((sum, count) => sum + count, 0) + report.inFlight;
    const modelCpu = after.models.reduce((sum, value, index) => sum + value - before.models[index]!, 0);
    process.stdout.write(
      `${CLIENTS} client(s), ${SECONDS} s, env ${JSON.stringify(extraEnv)}, load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}\n` +
        `  ${report.throughput.toFixed(1)} req/s, p50 ${report.p50Ms.toFixed(2)} ms, p99 ${report.p99Ms.toFixed(2)} ms, statuses ${JSON.stringify(report.statuses)}\n` +
        `  server CPU ${(((after.server - before.server) * 1000) / answered).toFixed(2)} ms/request; model processes (${models.length}) ${((modelCpu * 1000) / answered).toFixed(2)} ms/request\n`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
