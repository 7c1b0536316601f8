// The .gitattributes matcher against git's own verdict (`git check-attr filter`) on random patterns
// and paths, and the ReDoS case of issue 18 (High 3).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { isModaError } from '../errors/moda-error.js';
import { DEFAULT_GITATTRIBUTES, lfsPatterns, matchesAny, MAX_GITATTRIBUTES_PATTERN_LENGTH, MAX_GITATTRIBUTES_PATTERNS } from './gitattributes.js';

const repo = mkdtempSync(join(tmpdir(), 'moda-gitattributes-'));
const GIT_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
execFileSync('git', ['init', '-q', repo], { env: GIT_ENV });
after(() => rmSync(repo, { recursive: true, force: true }));

/** The paths among `paths` that git gives `filter: lfs` under this .gitattributes. */
function gitLfsPaths(gitattributes: string, paths: string[]): Set<string> {
  writeFileSync(join(repo, '.gitattributes'), gitattributes);
  const output = execFileSync('git', ['-c', 'core.quotePath=false', 'check-attr', '-z', '--stdin', 'filter'], { cwd: repo, env: GIT_ENV, input: paths.join('\0') + '\0' }).toString('utf8');
  const fields = output.split('\0');
  const lfs = new Set<string>();
  for (let index = 0; index + 2 < fields.length; index += 3) if (fields[index + 2] === 'lfs') lfs.add(fields[index] as string);
  return lfs;
}

const patternPiece = fc.constantFrom('a', 'b', '.', '*', '**', '?', '/', '[ab]', '[!a]', '[a-c]', '[[:alpha:]]', '\\*', 'é', '-');
const pattern = fc.array(patternPiece, { minLength: 1, maxLength: 7 }).map((pieces) => pieces.join('')).filter((text) => !/^[!#]/.test(text) && !text.startsWith('[attr]'));
const component = fc.array(fc.constantFrom('a', 'b', 'c', '.', '*', 'é', '-', 'ab'), { minLength: 1, maxLength: 4 }).map((pieces) => pieces.join('')).filter((text) => text !== '.' && text !== '..');
const path = fc.array(component, { minLength: 1, maxLength: 4 }).map((components) => components.join('/'));
const line = fc.tuple(pattern, fc.constantFrom('filter=lfs', '-filter', 'filter=other', '!filter')).map(([glob, attribute]) => `${glob} ${attribute}`);

void test('agrees with git check-attr on random patterns and paths', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), fc.uniqueArray(path, { minLength: 1, maxLength: 20 }), (lines, paths) => {
      const gitattributes = lines.join('\n') + '\n';
      const expected = gitLfsPaths(gitattributes, paths);
      const rules = lfsPatterns(gitattributes);
      for (const candidate of paths) assert.equal(matchesAny(candidate, rules), expected.has(candidate), `${JSON.stringify(gitattributes)} on ${candidate}`);
    }),
    { numRuns: Number(process.env.GA_RUNS ?? 300) },
  );
});

void test('agrees with git on the default patterns', () => {
  const paths = ['model.onnx', 'a/b/model.safetensors', 'saved_model/variables/x', 'saved_model/x', 'x/saved_model/y/z', 'README.md', 'a.tar.gz', 'logs/events.out.tfevents.1', 'img.PNG', 'config.json'];
  const expected = gitLfsPaths(DEFAULT_GITATTRIBUTES, paths);
  const rules = lfsPatterns(DEFAULT_GITATTRIBUTES);
  for (const candidate of paths) assert.equal(matchesAny(candidate, rules), expected.has(candidate), candidate);
});

void test('a globstar skips its slash only while it has matched nothing (found by the property above)', () => {
  const lines = '**/a filter=lfs\nx/**/b filter=lfs\n';
  const paths = ['a', 'aa', 'c/a', 'c/aa', 'x/b', 'x/yb', 'x/y/b', 'x/y/yb'];
  const expected = gitLfsPaths(lines, paths);
  const rules = lfsPatterns(lines);
  for (const candidate of paths) assert.equal(matchesAny(candidate, rules), expected.has(candidate), candidate);
  assert.deepEqual([...expected].sort(), ['a', 'c/a', 'x/b', 'x/y/b']);
});

void test('a double star right after the plain start of a path pattern crosses slashes, as in git (found by the property above)', () => {
  const lines = '/a** filter=lfs\nb**/c filter=lfs\n';
  const paths = ['a', 'a/a', 'ab/c/d', 'x/a', 'bc', 'b/c', 'bd/c', 'b/d/c', 'x/bc'];
  const expected = gitLfsPaths(lines, paths);
  const rules = lfsPatterns(lines);
  for (const candidate of paths) assert.equal(matchesAny(candidate, rules), expected.has(candidate), candidate);
  assert.deepEqual([...expected].sort(), ['a', 'a/a', 'ab/c/d', 'b/c', 'b/d/c', 'bc', 'bd/c']);
});

void test('a pattern that backtracks exponentially in a regular expression is matched in linear time', () => {
  const rules = lfsPatterns(`${'*a'.repeat(12)}*b filter=lfs\n**/${'*a'.repeat(12)}*/b filter=lfs\n`);
  const long = 'a'.repeat(1000);
  const started = process.hrtime.bigint();
  assert.equal(matchesAny(long, rules), false);
  assert.equal(matchesAny(`${'a/'.repeat(500)}c`, rules), false);
  // Not a speed assertion of the machine: the old matcher needed hours here, this one microseconds.
  assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 5, 'matching took seconds');
});

void test('too many or too long patterns are refused with GITATTRIBUTES_TOO_COMPLEX', () => {
  const code = (text: string) => {
    try {
      lfsPatterns(text);
      return 'accepted';
    } catch (error) {
      return isModaError(error) ? error.code : 'other';
    }
  };
  assert.equal(code(`${'a'.repeat(MAX_GITATTRIBUTES_PATTERN_LENGTH + 1)} filter=lfs\n`), 'GITATTRIBUTES_TOO_COMPLEX');
  assert.equal(code('*.bin filter=lfs\n'.repeat(MAX_GITATTRIBUTES_PATTERNS + 1)), 'GITATTRIBUTES_TOO_COMPLEX');
  // Lines that do not touch the filter attribute cost nothing and are not counted.
  assert.equal(code('*.txt text\n'.repeat(MAX_GITATTRIBUTES_PATTERNS + 1)), 'accepted');
});
