// `moda pull hf:<repo> --include/--exclude` between two real Moda servers on 127.0.0.1 (one acting
// as the Hugging Face upstream): only the selected quantisation of a GGUF repo is fetched and
// committed, a second pull of another quantisation keeps the first, the pulled model answers chat,
// and patterns that select nothing (or are empty) fail with their code and exit status 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { uploadFiles } from '@huggingface/hub';
import { runCli } from '../src/cli/run-cli.js';
import type { RepoInfo } from '../src/client/api-types.js';
import type { FetchFunction } from '../src/client/moda-client.js';
import { tinyLlamaGguf } from './fixtures/tiny-gguf.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './helpers/moda-server.js';

let upstream: TestServer;
let local: TestServer;
let work: string;

const FILES: Record<string, Uint8Array> = {
  'README.md': new TextEncoder().encode('---\nlicense: apache-2.0\n---\n# tiny GGUF\n'),
  'tiny-Q8_0.gguf': tinyLlamaGguf({ type: 'Q8_0' }),
  'tiny-F16.gguf': tinyLlamaGguf({ type: 'F16' }),
  'tiny-F32.gguf': tinyLlamaGguf({ type: 'F32' }),
  'extra/notes.txt': new TextEncoder().encode('not a model\n'),
};

/** Counts the upstream file downloads, to prove left-out files are never fetched. */
function countingFetch(): { fetch: FetchFunction; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    fetch: (input, init) => {
      const match = /\/resolve\/[^/]+\/(.+)$/.exec(input);
      if (input.startsWith(upstream.url) && match && (init?.method ?? 'GET') === 'GET') paths.push(decodeURIComponent(match[1] as string));
      return fetch(input, init);
    },
  };
}

async function moda(args: string[], fetchFunction?: FetchFunction) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { MODA_HOME: join(work, 'cli-home'), MODA_ENDPOINT: local.url, MODA_TOKEN: ADMIN_TOKEN, MODA_HF_UPSTREAM: upstream.url },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
    ...(fetchFunction && { fetch: fetchFunction }),
  });
  return { code, stdout, stderr };
}

async function localFiles(repo: string): Promise<string[]> {
  const response = await local.request(`/api/models/${repo}`);
  assert.equal(response.status, 200, await response.clone().text());
  // .gitattributes is the hub's own (every new repo gets one), not something the pull brought.
  return (((await response.json()) as RepoInfo).siblings ?? []).map((sibling) => sibling.rfilename).filter((path) => path !== '.gitattributes').sort();
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'moda-pull-include-'));
  [upstream, local] = await Promise.all([startTestServer(), startTestServer({ threads: 1, llmParallel: 1, llmContext: 256 })]);
  const created = await upstream.request('/api/repos/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tiny-gguf', organization: 'admin' }) });
  assert.equal(created.status, 200);
  await uploadFiles({ repo: 'admin/tiny-gguf', accessToken: ADMIN_TOKEN, hubUrl: upstream.url, files: Object.entries(FILES).map(([path, content]) => ({ path, content: new Blob([content]) })) });
});

after(async () => {
  await Promise.all([upstream?.stop(), local?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

void test('--include takes one quantisation: only it is downloaded and committed, and it serves chat', async () => {
  const counter = countingFetch();
  const result = await moda(['pull', 'hf:admin/tiny-gguf', '--include', '*Q8_0.gguf'], counter.fetch);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /1 file\(s\).*; 5 left out by --include\/--exclude\n/);
  assert.deepEqual(counter.paths, ['tiny-Q8_0.gguf']);
  assert.deepEqual(await localFiles('admin/tiny-gguf'), ['tiny-Q8_0.gguf']);

  const chat = await local.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'admin/tiny-gguf', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, logit_bias: { '2': -100, '4': -100 } }) });
  assert.equal(chat.status, 200, await chat.clone().text());
  const answer = (await chat.json()) as { model: string; usage: { completion_tokens: number } };
  assert.equal(answer.usage.completion_tokens, 3);
});

void test('a second pull with other patterns adds its files and keeps those outside its selection', async () => {
  const counter = countingFetch();
  const result = await moda(['pull', 'hf:admin/tiny-gguf', '--include', '*.gguf', '--include', 'README.md', '--exclude', '*F32*'], counter.fetch);
  assert.equal(result.code, 0, result.stderr);
  // The Q8_0 file is already in the local repo: only F16 and the card come over the wire.
  assert.deepEqual(counter.paths.sort(), ['README.md', 'tiny-F16.gguf']);
  assert.deepEqual(await localFiles('admin/tiny-gguf'), ['README.md', 'tiny-F16.gguf', 'tiny-Q8_0.gguf']);

  // A folder pattern (trailing slash) is everything under it; nothing the pull left out is deleted.
  const folder = await moda(['pull', 'hf:admin/tiny-gguf', '--include', 'extra/']);
  assert.equal(folder.code, 0, folder.stderr);
  assert.deepEqual(await localFiles('admin/tiny-gguf'), ['README.md', 'extra/notes.txt', 'tiny-F16.gguf', 'tiny-Q8_0.gguf']);
});

void test('patterns that select nothing, or an empty pattern, fail with their code and create nothing', async () => {
  const none = await moda(['pull', 'hf:admin/tiny-gguf', '--to', 'admin/nothing', '--include', '*Q4_K_M.gguf']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no file of hf:admin\/tiny-gguf matches --include \*Q4_K_M\.gguf \(it has 6 file\(s\)\) \[PULL_NOTHING_SELECTED\]/);
  const allExcluded = await moda(['pull', 'hf:admin/tiny-gguf', '--to', 'admin/nothing', '--exclude', '*']);
  assert.match(allExcluded.stderr, /\[PULL_NOTHING_SELECTED\]/);
  const empty = await moda(['pull', 'hf:admin/tiny-gguf', '--to', 'admin/nothing', '--include', '']);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /\[VALIDATION_FAILED\]/);
  assert.equal((await local.request('/api/models/admin/nothing')).status, 404);
});
