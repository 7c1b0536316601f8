// Each Hugging Face / ModelScope / CLUE layout convention, and malformed card configs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isModaError } from '../errors/moda-error.js';
import { classFolderOf, detectLayout, splitOfPath } from './detect-layout.js';
import { globToRegExp } from './glob-to-regexp.js';

const summary = (paths: string[], card: Record<string, unknown> = {}) =>
  detectLayout(paths, card).configs.map((config) => ({ config: config.config, splits: config.splits.map((split) => [split.split, split.format, split.files.join(',')]) }));

void test('file names give splits: train.*, validation/dev.*, test.*', () => {
  assert.deepEqual(summary(['README.md', '.gitattributes', 'train.csv', 'validation.csv', 'test.csv']), [
    { config: 'default', splits: [['train', 'csv', 'train.csv'], ['validation', 'csv', 'validation.csv'], ['test', 'csv', 'test.csv']] },
  ]);
  assert.deepEqual(summary(['dev.tsv', 'train.tsv.gz']), [{ config: 'default', splits: [['train', 'tsv', 'train.tsv.gz'], ['validation', 'tsv', 'dev.tsv']] }]);
});

void test('sharded Parquet under data/ makes one split per keyword, several files each', () => {
  assert.deepEqual(summary(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet', 'data/test-00000-of-00001.parquet']), [
    { config: 'default', splits: [['train', 'parquet', 'data/train-00000-of-00002.parquet,data/train-00001-of-00002.parquet'], ['test', 'parquet', 'data/test-00000-of-00001.parquet']] },
  ]);
});

void test('files without split names make one train split', () => {
  assert.deepEqual(summary(['README.md', 'data/part1.jsonl', 'data/part2.jsonl']), [{ config: 'default', splits: [['train', 'json', 'data/part1.jsonl,data/part2.jsonl']] }]);
});

void test('CLUE and ModelScope JSON-lines files (train.json, dev.json, test.json) are splits', () => {
  assert.deepEqual(summary(['train.json', 'dev.json', 'test.json', 'README.md', 'configuration.json']), [
    { config: 'default', splits: [['train', 'json', 'train.json'], ['validation', 'json', 'dev.json'], ['test', 'json', 'test.json']] },
  ]);
});

void test('split names in folder names count when the file name has none', () => {
  assert.deepEqual(summary(['train/a.csv', 'train/b.csv', 'valid/c.csv']), [{ config: 'default', splits: [['train', 'csv', 'train/a.csv,train/b.csv'], ['validation', 'csv', 'valid/c.csv']] }]);
  assert.equal(splitOfPath('data/trainer.csv'), undefined);
  assert.equal(splitOfPath('my_test_set.csv'), 'test');
});

void test('the card configs block wins: data_files per split with globs, several configs, default first', () => {
  const card = {
    configs: [
      { config_name: 'raw', data_files: [{ split: 'train', path: 'raw/*.csv' }] },
      { config_name: 'clean', default: true, data_files: [{ split: 'train', path: ['clean/train-*.parquet'] }, { split: 'holdout', path: 'clean/**/eval.parquet' }] },
    ],
  };
  const paths = ['raw/a.csv', 'raw/sub/b.csv', 'clean/train-0.parquet', 'clean/train-1.parquet', 'clean/x/y/eval.parquet', 'clean/eval.parquet'];
  assert.deepEqual(summary(paths, card), [
    { config: 'clean', splits: [['train', 'parquet', 'clean/train-0.parquet,clean/train-1.parquet'], ['holdout', 'parquet', 'clean/eval.parquet,clean/x/y/eval.parquet']] },
    { config: 'raw', splits: [['train', 'csv', 'raw/a.csv']] },
  ]);
  assert.deepEqual(summary(['a/x.jsonl', 'b/y.jsonl'], { configs: [{ config_name: 'a', data_files: 'a/*.jsonl' }] }), [{ config: 'a', splits: [['train', 'json', 'a/x.jsonl']] }]);
  assert.deepEqual(summary(['a/train.csv', 'a/test.csv', 'b.csv'], { configs: [{ config_name: 'a', data_dir: 'a' }] }), [{ config: 'a', splits: [['train', 'csv', 'a/train.csv'], ['test', 'csv', 'a/test.csv']] }]);
});

void test('imagefolder: class folders become labels, metadata.jsonl files are found', () => {
  const layout = detectLayout(['train/cat/1.png', 'train/dog/2.jpg', 'test/cat/3.png', 'README.md'], {});
  const [train, testSplit] = layout.configs[0]?.splits ?? [];
  assert.deepEqual([train?.split, train?.format, train?.files], ['train', 'imagefolder', ['train/cat/1.png', 'train/dog/2.jpg']]);
  assert.equal(testSplit?.split, 'test');
  assert.equal(classFolderOf('train/cat/1.png'), 'cat');
  assert.equal(classFolderOf('train/1.png'), undefined);
  const withMetadata = detectLayout(['data/a.wav', 'data/b.wav', 'data/metadata.csv'], {});
  assert.deepEqual(withMetadata.configs[0]?.splits, [{ split: 'train', format: 'audiofolder', files: ['data/a.wav', 'data/b.wav'], metadataFiles: ['data/metadata.csv'] }]);
});

void test('bad layouts and cards get stable codes', () => {
  const codeOf = (paths: string[], card: Record<string, unknown> = {}) => {
    try {
      detectLayout(paths, card);
      return 'none';
    } catch (error) {
      return isModaError(error) ? error.code : 'other';
    }
  };
  assert.equal(codeOf(['README.md', 'model.bin']), 'DATASET_NO_DATA_FILES');
  assert.equal(codeOf(['train.csv'], { configs: 'x' }), 'DATASET_CARD_INVALID');
  assert.equal(codeOf(['train.csv'], { configs: [{ config_name: 'a', data_files: 'nothing/*.csv' }] }), 'DATASET_CARD_INVALID');
  assert.equal(codeOf(['train.csv'], { configs: [{ config_name: '../x', data_files: 'train.csv' }] }), 'DATASET_CARD_INVALID');
  assert.equal(codeOf(['train.csv', 'train.parquet'], { configs: [{ data_files: '*' }] }), 'DATASET_LAYOUT_INVALID');
  assert.equal(codeOf(['a.csv'], { configs: [{ config_name: 'a', data_files: 'a.csv' }, { config_name: 'a', data_files: 'a.csv' }] }), 'DATASET_CARD_INVALID');
});

void test('globs: * stays in a folder, ** crosses folders, ? is one character', () => {
  assert.ok(globToRegExp('data/*.csv').test('data/a.csv'));
  assert.ok(!globToRegExp('data/*.csv').test('data/x/a.csv'));
  assert.ok(globToRegExp('data/**/*.csv').test('data/a.csv'));
  assert.ok(globToRegExp('data/**').test('data/x/y.csv'));
  assert.ok(globToRegExp('train-0000?.parquet').test('train-00001.parquet'));
  assert.ok(!globToRegExp('a.csv').test('aXcsv'));
});
