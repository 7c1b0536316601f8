// MODA_JOB_CPU_PROFILE_DIR: each job process writes a V8 CPU profile into the folder when it ends,
// naming the job's code in its call frames; without the setting no profile is written.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createJob, finished, TEST_JOB_MODULE, waitForJob } from './helpers/jobs.js';
import { startTestServer } from './helpers/moda-server.js';

void test('a job process writes its CPU profile into MODA_JOB_CPU_PROFILE_DIR', async () => {
  const profiles = await mkdtemp(join(tmpdir(), 'moda-job-profiles-'));
  const server = await startTestServer({ jobModules: [TEST_JOB_MODULE], jobCpuProfileDir: profiles });
  try {
    const created = await createJob(server.request, 'test-steps', { steps: 2, stepMs: 10 });
    const job = await waitForJob(server.request, created.id, finished);
    assert.equal(job.state, 'succeeded', JSON.stringify(job));
    // The profile is written as the process exits, which may be just after the job is recorded.
    let names: string[] = [];
    for (let tries = 0; tries < 100 && names.length === 0; tries++) {
      names = (await readdir(profiles)).filter((name) => name.endsWith('.cpuprofile'));
      if (names.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // One process (run from source, tsx's loader thread writes its own: `CPU.<date>.<time>.<pid>.<thread>.<seq>`).
    assert.ok(names.length > 0);
    assert.equal(new Set(names.map((name) => name.split('.')[3])).size, 1, `profiles: ${names.join(', ')}`);
    const main = names.find((name) => name.split('.')[4] === '0');
    assert.ok(main, `a main-thread profile among ${names.join(', ')}`);
    let profile: { nodes: { callFrame: { url: string } }[] } | undefined;
    for (let tries = 0; tries < 50 && !profile; tries++) {
      try {
        profile = JSON.parse(await readFile(join(profiles, main), 'utf8')) as typeof profile;
      } catch {
        // Still being written.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.ok(profile?.nodes.some((node) => node.callFrame.url.includes('job-process')), 'the profile is of the job process');
  } finally {
    await server.stop();
  }
  const quiet = await startTestServer({ jobModules: [TEST_JOB_MODULE] });
  try {
    const created = await createJob(quiet.request, 'test-steps', { steps: 1, stepMs: 0 });
    assert.equal((await waitForJob(quiet.request, created.id, finished)).state, 'succeeded');
    assert.equal(quiet.config.jobCpuProfileDir, '');
  } finally {
    await quiet.stop();
  }
});
