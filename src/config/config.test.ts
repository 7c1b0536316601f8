import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isModaError } from '../errors/moda-error.js';
import { totalmem } from 'node:os';
import { CONFIG_TABLE_END, CONFIG_TABLE_START, withConfigTable } from './config-table.js';
import { loadConfig } from './config.js';

void test('explicit overrides win over the environment, which wins over defaults', () => {
  const config = loadConfig({ MODA_PORT: '9000', MODA_HOST: '0.0.0.0' }, { host: '127.0.0.1' });
  assert.equal(config.port, 9000);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.lfsThresholdBytes, 10 * 1024 * 1024);
});

void test('sizes accept units', () => {
  assert.equal(loadConfig({ MODA_LFS_THRESHOLD: '5MiB' }).lfsThresholdBytes, 5 * 1024 * 1024);
  assert.equal(loadConfig({ MODA_MAX_JSON_BODY: '2048' }).maxJsonBytes, 2048);
});

void test('a bad value is an error that names the variable', () => {
  const zeroLimits = [{ MODA_MODEL_MAX_LABELS: '0' }, { MODA_MODEL_MAX_OUTPUT: '0' }, { MODA_CHAT_TEMPLATE_TIMEOUT: '0s' }, { MODA_EXTERNAL_PROGRAM_PROCESSES: '0' }, { MODA_EXTERNAL_PROGRAM_MEMORY: '-1' }];
  for (const env of [{ MODA_PORT: 'eighty' }, { MODA_PORT: '70000' }, { MODA_LFS_THRESHOLD: '10 parsecs' }, ...zeroLimits]) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => isModaError(error) && error.code === 'CONFIG_INVALID' && error.message.includes(Object.keys(env)[0] ?? ''),
    );
  }
});

void test('README configuration table matches src/config (run `npm run docs:config`)', () => {
  const readme = readFileSync('README.md', 'utf8');
  assert.equal(readme, withConfigTable(readme));
});

void test('the configuration table states machine-dependent defaults by their rule, never this machine\'s value', () => {
  const table = withConfigTable(`${CONFIG_TABLE_START}\n${CONFIG_TABLE_END}`);
  assert.match(table, /`MODA_MAX_MODEL_MEMORY` \| half of the memory \|/);
  const kib = Math.floor(totalmem() / 2 / 1024);
  assert.ok(!table.includes(String(kib)), 'the table holds this machine\'s memory size');
});

void test('cluster settings: Redis URLs, proxy addresses and the git root are checked', () => {
  const config = loadConfig({ MODA_REDIS_URL: 'redis://127.0.0.1:6379/2', MODA_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,fd00::/8', MODA_GIT_ROOT: '/srv/git', MODA_MIGRATE_ON_START: '0', MODA_SHUTDOWN_DELAY: '2s' });
  assert.deepEqual([config.redisUrl, config.trustProxy, config.gitRoot, config.migrateOnStart, config.shutdownDelayMs], ['redis://127.0.0.1:6379/2', ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'], '/srv/git', false, 2000]);
  assert.equal(loadConfig({}).gitRoot, '', 'default: $MODA_HOME/repos');
  for (const env of [{ MODA_REDIS_URL: '127.0.0.1:6379' }, { MODA_REDIS_URL: 'http://127.0.0.1' }, { MODA_TRUST_PROXY: '127.0.0.300' }, { MODA_TRUST_PROXY: '10.0.0.0/33' }, { MODA_TRUST_PROXY: '10.0.0.1/8/2' }, { MODA_SHUTDOWN_TIMEOUT: 'soon' }, { MODA_MIGRATE_ON_START: 'maybe' }]) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => isModaError(error) && error.code === 'CONFIG_INVALID' && error.message.includes(Object.keys(env)[0] ?? ''),
      JSON.stringify(env),
    );
  }
});
