// The registry states each implementation's type, tasks and engine without importing it; these
// must be exactly what the implementation's own module says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importImplementation, listImplementations } from './registry.js';

void test('every registry entry matches the module it imports', async () => {
  for (const entry of listImplementations()) {
    const implementation = await importImplementation(entry.type);
    assert.ok(implementation, entry.type);
    assert.equal(implementation.type, entry.type);
    assert.deepEqual([...implementation.tasks], [...entry.tasks], `${entry.type} tasks`);
    assert.equal(implementation.engine, entry.engine, `${entry.type} engine`);
  }
});
