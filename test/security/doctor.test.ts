// `moda doctor` on configurations given through the environment and a MODA_HOME on disk: each unsafe
// setting is a finding with its severity, a failure exits 1, a safe setup exits 0, and a setting that
// does not parse is CONFIG_INVALID.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runModa } from './cli-helper.js';

let home: string;

interface Finding {
  severity: 'ok' | 'warn' | 'fail';
  check: string;
  message: string;
}

async function doctor(env: Record<string, string>): Promise<{ code: number; findings: Finding[]; stderr: string }> {
  const result = await runModa(['doctor', '--json'], { MODA_HOME: home, ...env });
  return { code: result.code, findings: result.stdout ? (JSON.parse(result.stdout) as Finding[]) : [], stderr: result.stderr };
}

const severityOf = (findings: Finding[], check: string) => findings.filter((finding) => finding.check === check).map((finding) => finding.severity);

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'moda-doctor-'));
  await chmod(home, 0o700);
  await writeFile(join(home, 'admin-token'), 'hf_moda_generated\n', { mode: 0o600 });
});

after(async () => {
  await rm(home, { recursive: true, force: true });
});

void test('the defaults on loopback pass', async () => {
  const { code, findings } = await doctor({});
  assert.equal(code, 0);
  assert.deepEqual(findings.filter((finding) => finding.severity === 'fail'), []);
  assert.deepEqual(severityOf(findings, 'public-bind'), ['ok']);
  assert.deepEqual(severityOf(findings, 'file-permissions'), ['ok']);
});

void test('a public bind without MODA_PUBLIC_URL fails; with it, it passes', async () => {
  const open = await doctor({ MODA_HOST: '0.0.0.0' });
  assert.equal(open.code, 1);
  assert.deepEqual(severityOf(open.findings, 'public-bind'), ['fail']);
  assert.match(open.stderr, /check\(s\) failed/);
  const named = await doctor({ MODA_HOST: '0.0.0.0', MODA_PUBLIC_URL: 'https://hub.example.org', MODA_QUOTA_STORAGE: '100GiB' });
  assert.equal(named.code, 0, JSON.stringify(named.findings));
  for (const host of ['127.0.0.5', 'localhost', '::1', '[::1]']) assert.deepEqual(severityOf((await doctor({ MODA_HOST: host })).findings, 'public-bind'), ['ok'], host);
  assert.deepEqual(severityOf((await doctor({ MODA_HOST: '0.0.0.0', MODA_PUBLIC_URL: 'http://hub.example.org' })).findings, 'public-url-https'), ['warn']);
});

void test('an admin token file others can read fails', async () => {
  await chmod(join(home, 'admin-token'), 0o644);
  try {
    const { code, findings } = await doctor({});
    assert.equal(code, 1);
    const finding = findings.find((entry) => entry.check === 'file-permissions');
    assert.equal(finding?.severity, 'fail');
    assert.match(finding?.message ?? '', /admin-token .*mode 644/);
  } finally {
    await chmod(join(home, 'admin-token'), 0o600);
  }
});

void test('CORS "*" fails, rate limits off warn (fail when exposed), a short admin token fails', async () => {
  // A wildcard is refused by the configuration itself, so no server (and no doctor) runs with it.
  const cors = await doctor({ MODA_CORS_ORIGINS: 'https://app.example.org, *' });
  assert.equal(cors.code, 1);
  assert.match(cors.stderr, /MODA_CORS_ORIGINS/);
  assert.equal((await doctor({ MODA_CORS_ORIGINS: 'https://app.example.org' })).code, 0);
  const local = await doctor({ MODA_RATE_LIMITS: '0' });
  assert.deepEqual([local.code, severityOf(local.findings, 'rate-limits')], [0, ['warn']]);
  const exposed = await doctor({ MODA_RATE_LIMITS: '0', MODA_HOST: '0.0.0.0', MODA_PUBLIC_URL: 'https://hub.example.org' });
  assert.deepEqual([exposed.code, severityOf(exposed.findings, 'rate-limits')], [1, ['fail']]);
  const oneOff = await doctor({ MODA_RATE_LIMIT_UPLOAD: '0' });
  assert.match(oneOff.findings.find((finding) => finding.check === 'rate-limits')?.message ?? '', /MODA_RATE_LIMIT_UPLOAD/);
  assert.deepEqual(severityOf((await doctor({ MODA_ADMIN_TOKEN: 'hf_short' })).findings, 'admin-token-strength'), ['fail']);
});

void test('a setting that does not parse is CONFIG_INVALID, and the table form prints each finding', async () => {
  const bad = await runModa(['doctor'], { MODA_HOME: home, MODA_RATE_LIMIT_LOGIN: 'fast' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /MODA_RATE_LIMIT_LOGIN.*\[CONFIG_INVALID\]/);
  const table = await runModa(['doctor'], { MODA_HOME: home, MODA_HOST: '0.0.0.0' });
  assert.equal(table.code, 1);
  assert.match(table.stdout, /SEVERITY\s+CHECK\s+FINDING/);
  assert.match(table.stdout, /FAIL\s+public-bind\s+MODA_HOST=0\.0\.0\.0/);
});
