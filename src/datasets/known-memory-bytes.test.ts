// The Arrow size counted from Parquet footers (fixed-width columns) plus the scan of the rest must
// equal the scan of every column, on a file of many row groups with and without nulls.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { arrowMemoryBytes, scannedMemoryBytes } from './arrow-memory-bytes.js';
import { knownMemoryBytes } from './known-memory-bytes.js';

async function columnsOf(connection: DuckDBConnection, from: string): Promise<{ name: string; type: DuckDBType }[]> {
  const reader = await connection.runAndReadUntil(`SELECT * FROM ${from} LIMIT 0`, 0);
  const types = reader.columnTypes();
  return reader.columnNames().map((name, index) => ({ name, type: types[index] as DuckDBType }));
}

void test('fixed-width columns from footers plus a scan of the others equal the scan of all columns', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-known-memory-'));
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    const path = join(dir, 'mixed.parquet');
    // 10,001 rows in groups of 2,048: nulls only in some groups of some columns; `a.b` is a dotted
    // name (scanned), `nested` a struct of fixed-width fields (scanned), `big` a DECIMAL (16 bytes in Arrow).
    await connection.run(`COPY (SELECT
        range AS id,
        CASE WHEN range % 997 = 0 THEN NULL ELSE CAST(range AS INTEGER) END AS small,
        range / 7.0 AS ratio,
        CAST(range AS FLOAT) AS single,
        range % 3 = 0 AS flag,
        CASE WHEN range = 9999 THEN NULL ELSE range % 2 = 0 END AS rare_null_flag,
        DATE '2024-01-01' + CAST(range % 400 AS INTEGER) AS day,
        CASE WHEN range % 5 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (range) SECOND END AS at,
        CAST(range AS DECIMAL(20, 2)) AS big,
        CASE WHEN range % 11 = 0 THEN NULL ELSE repeat('x', CAST(range % 13 AS INTEGER)) END AS text,
        CAST(range AS SMALLINT) % 100 AS "a.b",
        [range, range + 1][1:CAST(range % 3 AS INTEGER)] AS items,
        {'x': CAST(range AS INTEGER), 'y': range % 2 = 0} AS nested
      FROM range(10001)) TO '${path}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2048)`);
    const from = `read_parquet(['${path}'])`;
    const columns = await columnsOf(connection, from);
    const known = await knownMemoryBytes(connection, [path], columns, 10_001);
    assert.deepEqual(known.scan.map((column) => column.name).sort(), ['a.b', 'items', 'nested', 'text']);
    const total = Math.round(known.bytes + (await scannedMemoryBytes(connection, from, known.scan)));
    assert.equal(total, await arrowMemoryBytes(connection, from, columns));
    // Spelled out for the fixed-width part: widths × rows, a bitmap of ceil(10001 / 8) = 1251 bytes
    // for small, rare_null_flag and at, and an eighth of a byte per boolean.
    assert.equal(known.bytes, 10_001 * (8 + 4 + 8 + 4 + 0.125 + 0.125 + 4 + 8 + 16) + 3 * 1251);
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
});

void test('a file without rows or without fixed-width columns leaves every column to the scan', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'moda-known-memory-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const empty = join(dir, 'empty.parquet');
    await connection.run(`COPY (SELECT 1 AS n, 'a' AS s WHERE false) TO '${empty}' (FORMAT parquet)`);
    const emptyColumns = await columnsOf(connection, `read_parquet(['${empty}'])`);
    const none = await knownMemoryBytes(connection, [empty], emptyColumns, 0);
    assert.equal(none.bytes, 0);
    assert.equal(Math.round(none.bytes + (await scannedMemoryBytes(connection, `read_parquet(['${empty}'])`, none.scan))), 0);
    const text = join(dir, 'text.parquet');
    await connection.run(`COPY (SELECT 'abc' AS s) TO '${text}' (FORMAT parquet)`);
    const textColumns = await columnsOf(connection, `read_parquet(['${text}'])`);
    assert.deepEqual(await knownMemoryBytes(connection, [text], textColumns, 1), { bytes: 0, scan: textColumns });
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
});
