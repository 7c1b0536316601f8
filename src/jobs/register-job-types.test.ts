// The job process loads only its own type (loadJobType): each built-in name must load the type of
// that name and nothing else, and a name no built-in has falls through to the plug-ins.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadJobType, loadJobTypes } from './register-job-types.js';

void test('each built-in type loads alone under its own name, as the server registry lists it', async () => {
  const all = (await loadJobTypes([])).list().map((type) => type.type);
  assert.deepEqual(all.sort(), ['catalog-import', 'dataset-prepare', 'eval', 'pull', 'tune']);
  for (const name of all) assert.equal((await loadJobType(name, []))?.type, name);
});

void test('a type no built-in has comes from the plug-in modules, or is unknown', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-job-types-'));
  try {
    const plugin = join(dir, 'plugin.mjs');
    await writeFile(plugin, "export function registerJobTypes(registry) { registry.register({ type: 'echo', description: 'echo', paramsSchema: {}, maxAttempts: 1, backoff: { delayMs: 0, factor: 1 }, run: async ({ params }) => params }); }\n");
    assert.equal((await loadJobType('echo', [plugin]))?.type, 'echo');
    assert.equal(await loadJobType('no-such-type', [plugin]), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
