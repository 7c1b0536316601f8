// Properties of the NDJSON commit body parser: whatever a stranger sends ends in a ModaError with a
// stable code (never a TypeError), and bodies built from a model parse to exactly what was encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModaError } from '../../errors/moda-error.js';
import type { CommitOperation } from '../../hub/write-commit.js';
import { parseCommitBody } from './commit-body.js';

function parsesOrRefuses(body: string): void {
  try {
    parseCommitBody(body);
  } catch (error) {
    assert.ok(error instanceof ModaError, `threw ${String(error)} on ${JSON.stringify(body).slice(0, 200)}`);
    assert.equal(error.code, 'NDJSON_INVALID');
  }
}

const json = fc.jsonValue({ maxDepth: 3 });
const key = fc.oneof(fc.constantFrom('header', 'file', 'lfsFile', 'deletedFile', 'deletedFolder', '__proto__', 'constructor', 'toString'), json);
const fieldValue = fc.oneof(json, fc.string(), fc.constantFrom('base64', 'utf-8', 'sha256', '0'.repeat(64)), fc.double(), fc.integer());
const fields = fc.dictionary(fc.constantFrom('path', 'content', 'encoding', 'oid', 'size', 'algo', 'summary', 'description', 'parentCommit', '__proto__'), fieldValue);
const structuredLine = fc.record({ key, value: fc.oneof(fields, json) }, { requiredKeys: [] }).map((line) => JSON.stringify(line));

void test('property: arbitrary strings and bytes give NDJSON_INVALID or a parse, never another error', () => {
  fc.assert(fc.property(fc.string({ maxLength: 500 }), parsesOrRefuses));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => parsesOrRefuses(Buffer.from(bytes).toString('utf8'))));
});

void test('property: structured but wrong lines give NDJSON_INVALID or a parse, never another error', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(structuredLine, fc.string({ maxLength: 40 }), json.map((value) => JSON.stringify(value))), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\n\n'), (lines, separator) =>
      parsesOrRefuses(lines.join(separator)),
    ),
    { numRuns: 500 },
  );
});

void test('a body of huge lines or many lines is refused or parsed in one pass', () => {
  parsesOrRefuses(`{"key":"header","value":{}}\n${'['.repeat(100_000)}`);
  parsesOrRefuses(`{"key":"header","value":{"summary":"${'a'.repeat(1_000_000)}"}}`);
  parsesOrRefuses('{"key":"header","value":{}}\n'.concat('{"key":"deletedFolder","value":{"path":"a/"}}\n'.repeat(50_000)));
});

const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._ -]{0,11}$/).filter((part) => part !== '.' && part !== '..' && part.trim() === part);
const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
type Encoded = { line: unknown; operation: CommitOperation };
const opArb = (path: string): fc.Arbitrary<Encoded> =>
  fc.oneof(
    fc.string({ maxLength: 50 }).map((text) => ({ line: { key: 'file', value: { path, content: text, encoding: 'utf-8' } }, operation: { kind: 'file' as const, path, content: Buffer.from(text, 'utf8') } })),
    fc.uint8Array({ maxLength: 50 }).map((bytes) => ({
      line: { key: 'file', value: { path, content: Buffer.from(bytes).toString('base64'), encoding: 'base64' } },
      operation: { kind: 'file' as const, path, content: Buffer.from(bytes) },
    })),
    fc.tuple(fc.stringMatching(/^[0-9a-f]{64}$/), fc.nat()).map(([oid, size]) => ({
      line: { key: 'lfsFile', value: { path, oid, size, algo: 'sha256' } },
      operation: { kind: 'lfsFile' as const, path, oid, size },
    })),
    fc.constant({ line: { key: 'deletedFile', value: { path } }, operation: { kind: 'deletedFile' as const, path } }),
    fc.constant({ line: { key: 'deletedFolder', value: { path: `${path}/` } }, operation: { kind: 'deletedFolder' as const, path } }),
  );

void test('property: a body built from a model parses to exactly the operations encoded', () => {
  const model = fc.record({
    summary: fc.string({ maxLength: 30 }).filter((text) => text.trim() !== ''),
    description: fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
    parentCommit: fc.option(fc.stringMatching(/^[0-9a-f]{40}$/), { nil: undefined }),
    ops: fc.uniqueArray(pathArb, { maxLength: 8 }).chain((paths) => fc.tuple(...paths.map(opArb))),
  });
  fc.assert(
    fc.property(model, ({ summary, description, parentCommit, ops }) => {
      const header = { key: 'header', value: { summary, description, parentCommit } };
      const body = [header, ...ops.map((op) => op.line)].map((line) => JSON.stringify(line)).join('\n');
      const parsed = parseCommitBody(body);
      assert.equal(parsed.summary, summary);
      assert.equal(parsed.description, description);
      assert.equal(parsed.parentCommit, parentCommit);
      assert.deepEqual(parsed.operations, ops.map((op) => op.operation));
    }),
  );
});
