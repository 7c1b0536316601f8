// Starts a real Moda server on 127.0.0.1 with a fresh MODA_HOME for a test, and cleans up after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';

export const ADMIN_TOKEN = 'hf_moda_test_admin_token';

export interface TestServer extends RunningServer {
  home: string;
  config: Config;
  /** fetch against the server with the admin token unless `token` is given (null: anonymous). */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestServer(overrides: Partial<Config> = {}, home?: string): Promise<TestServer> {
  const dir = home ?? (await mkdtemp(join(tmpdir(), 'moda-test-')));
  // Starter evaluations (minutes of OCR after a catalog import) run only in the tests that ask for them.
  // Only MODA_WEB_DIST passes through from the environment: it lets a session test its own UI build.
  const config = loadConfig({ MODA_WEB_DIST: process.env.MODA_WEB_DIST }, { home: dir, host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN, logLevel: 'silent', catalog: false, starterEvals: false, ...overrides });
  const server = await startServer(config);
  return {
    ...server,
    home: dir,
    config,
    request(path, init = {}) {
      const { token = ADMIN_TOKEN, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${server.url}${path}`, { ...rest, headers });
    },
    async stop() {
      await server.close();
      if (!home) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a user and a token for it through the API; returns the token. */
export async function createUserWithToken(server: TestServer, name: string, role: 'read' | 'write' | 'admin' = 'write'): Promise<string> {
  const created = await server.request('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  if (!created.ok) throw new Error(`creating user ${name}: ${created.status} ${await created.text()}`);
  const token = await server.request('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'test', role, user: name }) });
  if (!token.ok) throw new Error(`creating token for ${name}: ${token.status} ${await token.text()}`);
  return ((await token.json()) as { token: string }).token;
}
