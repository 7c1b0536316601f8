// The jieba table checks refuse exactly the tables that would reach @node-rs/jieba's panicking
// loader, and accept every table in jieba's own shape; what they accept, the native loader loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Jieba, TfIdf } from '@node-rs/jieba';
import fc from 'fast-check';
import { isModaError } from '../../errors/moda-error.js';
import { checkJiebaDictionary, checkJiebaIdf } from './check-jieba-table.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

function refused(call: () => unknown, reason: RegExp): void {
  assert.throws(call, (error: unknown) => isModaError(error) && error.code === 'MODEL_FILE_INVALID' && reason.test(error.message));
}

void test('IDF tables that abort the native loader are refused with MODEL_FILE_INVALID', () => {
  refused(() => checkJiebaIdf(bytes(''), 'idf.txt'), /holds no entries/);
  refused(() => checkJiebaIdf(bytes('\n \n'), 'idf.txt'), /holds no entries/);
  refused(() => checkJiebaIdf(bytes('word notanumber'), 'idf.txt'), /line 1: the weight "notanumber" is not a finite number/);
  refused(() => checkJiebaIdf(bytes('a 1.5\nword'), 'idf.txt'), /line 2 has 1 field;/);
  refused(() => checkJiebaIdf(bytes('a inf'), 'idf.txt'), /not a finite number/);
  refused(() => checkJiebaIdf(bytes('a 1e400'), 'idf.txt'), /not a finite number/);
  refused(() => checkJiebaIdf(Buffer.from([0xff, 0x20, 0x31]), 'idf.txt'), /not UTF-8/);
});

void test('dictionaries with a non-numeric frequency, extra fields or bad bytes are refused', () => {
  refused(() => checkJiebaDictionary(bytes('清华 x n'), 'dict.txt'), /frequency "x" is not a whole number/);
  refused(() => checkJiebaDictionary(bytes('清华 -3 n'), 'dict.txt'), /not a whole number/);
  refused(() => checkJiebaDictionary(bytes('a 1 n x'), 'dict.txt'), /4 fields/);
  refused(() => checkJiebaDictionary(Buffer.from([0x61, 0x20, 0x31, 0x20, 0xff]), 'dict.txt'), /not UTF-8/);
  assert.equal(checkJiebaDictionary(bytes(''), 'dict.txt'), 0, 'an empty dictionary is valid: jieba then relies on its HMM');
  assert.equal(checkJiebaDictionary(bytes('清华 3 nt\r\n大学 5 n\n\n华\n'), 'dict.txt'), 3);
});

const word = fc.stringMatching(/^[a-z\u4e00-\u4e20]{1,6}$/);

void test('property: any table in jieba shape passes the check and loads natively', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(word, fc.nat({ max: 1_000_000 }), fc.constantFrom('n', 'v', 'nt', 'x')), { maxLength: 20 }), (rows) => {
      const text = rows.map(([entry, frequency, tag]) => `${entry} ${frequency} ${tag}`).join('\n');
      assert.equal(checkJiebaDictionary(bytes(text), 'dict.txt'), rows.length);
      Jieba.withDict(bytes(text)).cut('清华大学', true);
    }),
    { numRuns: 50 },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(word, fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 20 }), (rows) => {
      const text = rows.map(([entry, weight]) => `${entry} ${weight}`).join('\n');
      assert.equal(checkJiebaIdf(bytes(text), 'idf.txt'), rows.length);
      TfIdf.withDict(bytes(text)).extractKeywords(Jieba.withDict(bytes('清华 3 nt')), '清华大学', 2);
    }),
    { numRuns: 50 },
  );
});

void test('property: a weight that is not a finite number anywhere in the table is refused', () => {
  const notNumber = fc.string({ minLength: 1, maxLength: 8 }).filter((text) => !/\s/.test(text) && !Number.isFinite(Number(text)));
  fc.assert(
    fc.property(fc.array(fc.tuple(word, fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 10 }), fc.nat(), notNumber, (rows, at, bad) => {
      const lines = rows.map(([entry, weight]) => `${entry} ${weight}`);
      lines.splice(at % (lines.length + 1), 0, `bad ${bad}`);
      refused(() => checkJiebaIdf(bytes(lines.join('\n')), 'idf.txt'), /is not a finite number/);
    }),
    { numRuns: 100 },
  );
});
