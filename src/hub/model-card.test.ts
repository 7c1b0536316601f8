// Properties of the model card front-matter reader: any text gives absent / invalid / parsed (never a
// throw), YAML made from a model parses back to it, and alias bombs or deep nesting are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseModelCard, readCardHeader } from './model-card.js';
import { validateModelCard } from './validate-model-card.js';

const card = (yaml: string) => `---\n${yaml}\n---\n\n# body\n`;

function checkAnyCard(readme: string): void {
  const header = readCardHeader(readme);
  assert.ok(['absent', 'invalid', 'parsed'].includes(header.kind));
  if (header.kind === 'invalid') assert.ok(header.error.length > 0);
  const parsed = parseModelCard(readme);
  assert.ok(typeof parsed.data === 'object' && parsed.data !== null && !Array.isArray(parsed.data));
  const report = validateModelCard(readme);
  assert.ok(Array.isArray(report.errors) && Array.isArray(report.warnings));
  for (const problem of [...report.errors, ...report.warnings]) assert.equal(typeof problem.message, 'string');
}

const yamlToken = fc.constantFrom('&a ', '*a', '<<: ', '- ', ': ', '{', '}', '[', ']', ',', '!!str ', '!!binary ', '!!set ', '? ', '|', '>', '#', '"', "'", '%YAML 1.2', '---', '...', '\n', '  ', '\t', 'key', '1e999', '-0', '.nan', '0x1F', 'null', '~');
const yamlish = fc.array(fc.oneof(yamlToken, fc.string({ maxLength: 8 })), { maxLength: 40 }).map((parts) => parts.join(''));

void test('property: any front matter is absent, invalid with a message, or parsed; validation never throws', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => checkAnyCard(card(text))), { numRuns: 300 });
  fc.assert(fc.property(yamlish, (text) => checkAnyCard(card(text))), { numRuns: 1000 });
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => checkAnyCard(text)), { numRuns: 300 });
});

void test('property: a mapping written as YAML reads back as the same data', () => {
  const data = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
  fc.assert(
    fc.property(data, (value) => {
      const header = readCardHeader(card(stringify(value).trimEnd()));
      assert.equal(header.kind, 'parsed');
      // JSON has no -0; YAML keeps it, so compare through JSON.
      assert.deepEqual(JSON.parse(JSON.stringify(header.kind === 'parsed' ? header.value : undefined)), JSON.parse(JSON.stringify(value)));
    }),
    { numRuns: 300 },
  );
});

function billionLaughs(levels: number): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < levels; level++) {
    const name = String.fromCharCode(97 + level);
    const previous = String.fromCharCode(96 + level);
    lines.push(`${name}: &${name} [${Array<string>(9).fill(`*${previous}`).join(', ')}]`);
  }
  return lines.join('\n');
}

void test('alias bombs (billion laughs, merge keys) are refused with a clear error', { timeout: 60_000 }, () => {
  for (const yaml of [billionLaughs(10), `${billionLaughs(10)}\nz: {<<: *j}`]) {
    const header = readCardHeader(card(yaml));
    assert.equal(header.kind, 'invalid');
    assert.match(header.kind === 'invalid' ? header.error : '', /alias/i);
    assert.match(validateModelCard(card(yaml)).errors[0]?.message ?? '', /could not be parsed: .*alias/i);
    assert.deepEqual(parseModelCard(card(yaml)).data, {});
  }
});

void test('property: alias bombs of any width and depth are refused or parsed small', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (levels, width) => {
      const lines = ['a0: &a0 x'];
      for (let level = 1; level < levels; level++) lines.push(`a${level}: &a${level} [${Array<string>(width).fill(`*a${level - 1}`).join(', ')}]`);
      const header = readCardHeader(card(lines.join('\n')));
      if (header.kind === 'parsed') assert.ok(JSON.stringify(header.value).length < 10_000_000);
      else assert.equal(header.kind, 'invalid');
    }),
    { numRuns: 50 },
  );
});

void test('deep nesting, huge numbers, duplicate keys and non-object roots give an answer, not a crash', { timeout: 120_000 }, () => {
  const deep = [
    `x: ${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    `x: ${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`,
    Array.from({ length: 3_000 }, (_, depth) => `${' '.repeat(depth)}k:`).join('\n'),
    Array.from({ length: 3_000 }, (_, depth) => `${' '.repeat(depth * 2)}-`).join('\n'),
  ];
  for (const yaml of deep) {
    const header = readCardHeader(card(yaml));
    assert.ok(header.kind === 'invalid' || header.kind === 'parsed');
    checkAnyCard(card(yaml));
  }
  const huge = readCardHeader(card(`n: 1${'0'.repeat(100_000)}`));
  assert.equal(huge.kind, 'parsed');
  assert.equal(readCardHeader(card('a: 1\na: 2')).kind, 'invalid');
  assert.match(validateModelCard(card('a: 1\na: 2')).errors[0]?.message ?? '', /unique/);
  for (const root of ['- a\n- b', '42', '"text"', 'true']) {
    assert.deepEqual(validateModelCard(card(root)).errors, [{ message: 'the YAML metadata must be a mapping of field names to values' }]);
    assert.deepEqual(parseModelCard(card(root)).data, {});
  }
});
