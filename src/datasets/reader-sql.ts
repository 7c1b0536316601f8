// The DuckDB table functions that read one source file of each tabular format, and the union of
// several files' rows by column name.
import type { SourceFile } from './source-files.js';
import { quoteLiteral } from './sql-text.js';

export type TabularFormat = 'csv' | 'tsv' | 'json' | 'parquet';

export function readerSql(format: TabularFormat, file: Pick<SourceFile, 'localPath' | 'compression'>): string {
  const path = quoteLiteral(file.localPath);
  const compression = quoteLiteral(file.compression);
  switch (format) {
    // Hugging Face reads CSV with pandas' defaults: a comma, double quotes, a header row. Strict mode
    // refuses ragged rows instead of guessing another dialect.
    case 'csv':
      return `read_csv(${path}, header = true, delim = ',', quote = '"', strict_mode = true, compression = ${compression})`;
    case 'tsv':
      return `read_csv(${path}, header = true, delim = '\t', quote = '"', strict_mode = true, compression = ${compression})`;
    case 'json':
      return `read_json(${path}, format = 'auto', compression = ${file.compression === 'none' ? "'uncompressed'" : compression})`;
    case 'parquet':
      return `read_parquet(${path})`;
  }
}

export function unionOf(selects: string[]): string {
  return selects.join(' UNION ALL BY NAME ');
}
