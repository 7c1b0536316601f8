// File paths against git's own verdict: `git update-index --add --cacheinfo` with core.protectNTFS
// and core.protectHFS (git's verify_path), on random paths built from the pieces that matter; and
// the .gitmodules checks against `git fsck`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { isModaError } from '../errors/moda-error.js';
import { checkGitmodules } from './check-gitmodules.js';
import { checkFilePath, isDotGitmodules } from './paths.js';

const repo = mkdtempSync(join(tmpdir(), 'moda-paths-git-'));
const GIT_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
execFileSync('git', ['init', '-q', '--bare', repo], { env: GIT_ENV });
const EMPTY_BLOB = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, env: GIT_ENV, input: '' }).toString().trim();
after(() => rmSync(repo, { recursive: true, force: true }));

function gitAccepts(path: string): boolean {
  // A fresh index each time: an earlier `a/b` would make `a` a file/directory conflict.
  rmSync(join(repo, 'scratch-index'), { force: true });
  const result = spawnSync('git', ['-c', 'core.protectNTFS=true', '-c', 'core.protectHFS=true', 'update-index', '--add', '--cacheinfo', `100644,${EMPTY_BLOB},${path}`], {
    cwd: repo,
    env: { ...GIT_ENV, GIT_DIR: repo, GIT_INDEX_FILE: join(repo, 'scratch-index') },
  });
  return result.status === 0;
}

function weAccept(path: string): boolean {
  try {
    checkFilePath(path);
    return true;
  } catch (error) {
    if (isModaError(error) && error.code === 'PATH_INVALID') return false;
    throw error;
  }
}

const piece = fc.constantFrom('.git', '.GIT', 'git~1', 'GIT~1', '.g\u200cit', '\ufeff.git', '.git\u200d', 'gi\u200et', '.', '..', ' ', ':', 'a', 'b', '.gitmodules', '-', '~', '\\', 'é', '.git:x');
const component = fc.array(piece, { minLength: 0, maxLength: 3 }).map((pieces) => pieces.join(''));
const path = fc.array(component, { minLength: 1, maxLength: 3 }).map((components) => components.join('/'));

void test('checkFilePath refuses every path git refuses (NTFS and HFS+ rules on)', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(path, (candidate) => {
      const git = gitAccepts(candidate);
      const ours = weAccept(candidate);
      if (!git) assert.equal(ours, false, `git refuses ${JSON.stringify(candidate)}, Moda accepted it`);
      // Stricter than git only where Moda's own rules say so (backslashes; "/" at either end; empty).
      if (git && !ours) assert.match(candidate, /\\|^\/|\/$|^$|\/\//, `Moda refuses ${JSON.stringify(candidate)}, git accepts it`);
    }),
    { numRuns: 300 },
  );
});

void test('the examples of issue 18 are refused', () => {
  for (const candidate of ['.git./hooks/post-checkout', '.git /hooks/x', 'git~1/config', 'GIT~1/config', '.g\u200cit/config', 'a/.git::$INDEX_ALLOCATION/x', '.GIT/config']) {
    assert.equal(weAccept(candidate), false, JSON.stringify(candidate));
    assert.equal(gitAccepts(candidate), false, `git too: ${JSON.stringify(candidate)}`);
  }
  for (const name of ['.gitmodules', '.GITMODULES', '.gitmodules .', 'gitmod~1', '.gitmodules\u200c']) assert.ok(isDotGitmodules(name), name);
  assert.equal(isDotGitmodules('gitmodules'), false);
});

/** What `git fsck` says of a commit whose tree holds `.gitmodules` with this content. */
function fsckAccepts(content: string): boolean {
  // fsck reads every object in the store, so each probe gets a store of its own.
  const probe = mkdtempSync(join(repo, 'probe-'));
  execFileSync('git', ['init', '-q', '--bare', probe], { env: GIT_ENV });
  return fsckIn(probe, content);
}

function fsckIn(repo: string, content: string): boolean {
  const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, env: GIT_ENV, input: content }).toString().trim();
  const tree = execFileSync('git', ['mktree'], { cwd: repo, env: GIT_ENV, input: `100644 blob ${blob}\t.gitmodules\n` }).toString().trim();
  const commit = execFileSync('git', ['commit-tree', tree, '-m', 'x'], { cwd: repo, env: { ...GIT_ENV, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' } }).toString().trim();
  execFileSync('git', ['update-ref', 'refs/heads/probe', commit], { cwd: repo, env: GIT_ENV });
  return spawnSync('git', ['fsck', '--no-dangling', '--strict'], { cwd: repo, env: GIT_ENV }).status === 0;
}

async function moduleAccepted(content: string): Promise<boolean> {
  try {
    await checkGitmodules('.gitmodules', Buffer.from(content));
    return true;
  } catch (error) {
    if (isModaError(error) && error.code === 'GITMODULES_INVALID') return false;
    throw error;
  }
}

void test('.gitmodules checks agree with git fsck', { timeout: 120_000 }, async () => {
  const name = fc.constantFrom('sub', '../sub', 'a/../../b', '..', 'x\\..\\y', 'ok.name');
  const value = fc.constantFrom('/srv/x.git', '--upload-pack=touch /tmp/pwned', '-x', './sub', 'sub/dir', '../other.git', '!rm -rf', 'checkout');
  const key = fc.constantFrom('url', 'path', 'update');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(name, key, value), { minLength: 1, maxLength: 3 }), async (entries) => {
      const content = entries.map(([module, variable, setting]) => `[submodule "${module.replace(/\\/g, '\\\\')}"]\n\t${variable} = ${setting}\n`).join('');
      assert.equal(await moduleAccepted(content), fsckAccepts(content), content);
    }),
    { numRuns: 60 },
  );
});
