// The dataset viewer's pure parts: which cell a feature and value make (HF's image/audio shapes,
// class labels, numbers, nested values), text folding, histogram and frequency bars, the SQL answer
// read into a table, the pager's window, the route a rows query takes, and the load snippets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellOf, foldText, formatCount, formatNumber, frequencyBars, histogramBars, pageWindow, sqlTable, typeLabel } from '../web/src/dataset-viewer/cell-format.js';
import { loadSnippets } from '../web/src/dataset-viewer/load-snippets.js';
import { orderByColumn, rowsPath } from '../web/src/dataset-viewer/viewer-types.js';

void test('cells follow the feature type: images and audio by their src, labels by name, the rest by value', () => {
  const image = { _type: 'Image' };
  assert.deepEqual(cellOf(image, { src: 'http://127.0.0.1:8080/datasets/a/b/resolve/abc/x.png', height: 20, width: 40 }), { kind: 'image', src: 'http://127.0.0.1:8080/datasets/a/b/resolve/abc/x.png', width: 40, height: 20 });
  assert.deepEqual(cellOf(image, '/datasets/a/b/resolve/abc/x.png'), { kind: 'image', src: '/datasets/a/b/resolve/abc/x.png' });
  // A javascript: or protocol-relative URL never becomes an element's src.
  assert.equal(cellOf(image, { src: 'javascript:alert(1)' }).kind, 'json');
  assert.equal(cellOf(image, '//evil.example/x.png').kind, 'text');
  assert.deepEqual(cellOf({ _type: 'Audio' }, [{ src: 'http://127.0.0.1:8080/a.wav', type: 'audio/wav' }]), { kind: 'audio', sources: [{ src: 'http://127.0.0.1:8080/a.wav', type: 'audio/wav' }] });
  assert.deepEqual(cellOf({ _type: 'ClassLabel', names: ['neg', 'pos'] }, 1), { kind: 'label', index: 1, name: 'pos' });
  assert.deepEqual(cellOf({ _type: 'ClassLabel', names: ['neg'] }, 5), { kind: 'label', index: 5, name: undefined });
  assert.deepEqual(cellOf({ _type: 'Value', dtype: 'float64' }, 0.1 + 0.2), { kind: 'number', text: '0.3' });
  assert.deepEqual(cellOf({ _type: 'Value', dtype: 'bool' }, false), { kind: 'bool', value: false });
  assert.deepEqual(cellOf({ _type: 'Value', dtype: 'string' }, null), { kind: 'null' });
  assert.deepEqual(cellOf(undefined, { a: [1, 2] }), { kind: 'json', text: '{"a":[1,2]}' });
  assert.deepEqual(cellOf({ _type: 'Value', dtype: 'string' }, 'hi'), { kind: 'text', text: 'hi' });
});

void test('long text folds by characters or lines; short text does not', () => {
  assert.deepEqual(foldText('short'), { head: 'short', folded: false });
  const long = 'x'.repeat(1000);
  const folded = foldText(long, 300);
  assert.equal(folded.folded, true);
  assert.equal(folded.head, `${'x'.repeat(300)}…`);
  const lines = Array.from({ length: 10 }, (_, index) => `line ${index}`).join('\n');
  assert.equal(foldText(lines, 300, 6).head, `${lines.split('\n').slice(0, 6).join('\n')}…`);
  // Code points, not UTF-16 units: a CJK or emoji string is never cut inside a character.
  assert.equal([...foldText('😀'.repeat(400), 300).head].length, 301);
});

void test('numbers, counts and type labels read well', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(12), '12');
  assert.equal(formatNumber(3), '3');
  assert.equal(formatNumber(1 / 3), '0.333333');
  assert.equal(formatNumber(1e-7), '1.000e-7');
  assert.equal(typeLabel({ _type: 'Value', dtype: 'int64' }), 'int64');
  assert.equal(typeLabel({ _type: 'ClassLabel', names: ['a', 'b'] }), 'ClassLabel(2)');
  assert.equal(typeLabel({ _type: 'Sequence', feature: { _type: 'Value', dtype: 'string' } }), 'list<string>');
  assert.equal(typeLabel({ _type: 'Image' }), 'Image');
  assert.equal(typeLabel({ x: { _type: 'Value', dtype: 'int8' } }), 'dict');
});

void test('histogram bars scale to the largest bin; frequencies sort and fold the tail into "other"', () => {
  const bars = histogramBars({ hist: [1, 4, 0, 2], bin_edges: [0, 1, 2, 3, 4] });
  assert.deepEqual(bars.map((bar) => bar.height), [0.25, 1, 0, 0.5]);
  assert.deepEqual([bars[3]?.from, bars[3]?.to], [3, 4]);
  // HF gives one edge fewer than bins + 1 for integer histograms that end on a value.
  assert.equal(histogramBars({ hist: [2, 2], bin_edges: [0, 1] })[1]?.to, 1);
  assert.deepEqual(histogramBars({ hist: [0, 0], bin_edges: [0, 1, 2] }).map((bar) => bar.height), [0, 0]);

  const frequencies = frequencyBars({ spam: 30, ham: 60, other: 10 });
  assert.deepEqual(frequencies.map((bar) => [bar.label, bar.count]), [['ham', 60], ['spam', 30], ['other', 10]]);
  assert.equal(frequencies[0]?.share, 0.6);
  const many = frequencyBars(Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`c${index}`, 12 - index])), 3);
  assert.equal(many.length, 4);
  assert.deepEqual(many[3], { label: '', count: 9 + 8 + 7 + 6 + 5 + 4 + 3 + 2 + 1, share: 45 / 78, other: true });
});

void test('an SQL answer becomes columns and rows whether rows are arrays or objects', () => {
  assert.deepEqual(sqlTable({ columns: [{ name: 'n', type: 'BIGINT' }, 'label'], rows: [[1, 'ham']] }), { columns: ['n', 'label'], rows: [[1, 'ham']] });
  assert.deepEqual(sqlTable({ columns: ['label', 'n'], rows: [{ n: 2, label: 'spam' }] }), { columns: ['label', 'n'], rows: [['spam', 2]] });
  assert.deepEqual(sqlTable({ rows: [{ a: 1, b: null }] }), { columns: ['a', 'b'], rows: [[1, null]] });
  assert.deepEqual(sqlTable({}), { columns: [], rows: [] });
});

void test('the pager offers the first, last and nearby pages with gaps', () => {
  assert.deepEqual(pageWindow(0, 1), [0]);
  assert.deepEqual(pageWindow(0, 4), [0, 1, 2, 3]);
  assert.deepEqual(pageWindow(10, 40), [0, null, 8, 9, 10, 11, 12, null, 39]);
  assert.deepEqual(pageWindow(39, 40), [0, null, 37, 38, 39]);
});

void test('a rows query goes to /rows, /search with a query, /filter with where or orderby', () => {
  const base = { dataset: 'moda/spam-assassin', config: 'default', split: 'train', revision: 'abc', offset: 25, length: 25 };
  assert.equal(rowsPath(base), '/datasets-server/rows?dataset=moda%2Fspam-assassin&config=default&split=train&revision=abc&offset=25&length=25');
  assert.equal(rowsPath({ ...base, query: '  free money ' }), '/datasets-server/search?dataset=moda%2Fspam-assassin&config=default&split=train&revision=abc&offset=25&length=25&query=free+money');
  assert.match(rowsPath({ ...base, where: `"label"='spam'` }), /^\/datasets-server\/filter\?.*&where=%22label%22%3D%27spam%27$/);
  assert.match(rowsPath({ ...base, query: '   ' }), /^\/datasets-server\/rows\?/);
  assert.match(rowsPath({ ...base, orderby: orderByColumn('font_size', true) }), /^\/datasets-server\/filter\?.*&orderby=%22font_size%22\+DESC$/);
  // A column name with a double quote stays one quoted identifier.
  assert.equal(orderByColumn('say "hi"', false), '"say ""hi""" ASC');
});

void test('load snippets name this server, the repo, a non-default config and the split, quoted for Python', () => {
  const snippets = loadSnippets('http://127.0.0.1:8080', 'moda/spam-assassin', 'default', 'test');
  const byId = new Map(snippets.map((snippet) => [snippet.id, snippet.code]));
  assert.match(byId.get('datasets') ?? '', /os\.environ\['HF_ENDPOINT'\] = 'http:\/\/127\.0\.0\.1:8080'/);
  assert.match(byId.get('datasets') ?? '', /load_dataset\('moda\/spam-assassin', split='test'\)/);
  assert.match(byId.get('msdatasets') ?? '', /MsDataset\.load\('moda\/spam-assassin', split='test'\)/);
  assert.match(byId.get('msdatasets') ?? '', /https:\/\//, 'over http the ModelScope snippet says it needs https');
  assert.match(byId.get('datasets-server') ?? '', /\/datasets-server\/rows\?dataset=moda%2Fspam-assassin&config=default&split=test/);
  const named = loadSnippets('http://127.0.0.1:8080', 'a/b', "it's", 'dev');
  assert.match(named.find((snippet) => snippet.id === 'datasets')?.code ?? '', /load_dataset\('a\/b', 'it\\'s', split='dev'\)/);
  assert.match(named.find((snippet) => snippet.id === 'msdatasets')?.code ?? '', /subset_name='it\\'s'/);
});
