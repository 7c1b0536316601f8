// What a dataset repo holds at one commit, as the viewer sees it: configs, each with named splits,
// each split a list of data files of one format (or media files in the imagefolder shape).

/** Tabular formats DuckDB reads, the two media folder builders, and zip archives of tabular files (ModelScope). */
export type DataFormat = 'csv' | 'tsv' | 'json' | 'parquet' | 'imagefolder' | 'audiofolder' | 'zip';

export interface SplitLayout {
  split: string;
  format: DataFormat;
  /** Repo paths of the split's data files (media files for imagefolder/audiofolder), sorted. */
  files: string[];
  /** imagefolder/audiofolder: metadata.jsonl/metadata.csv files that apply to this split. */
  metadataFiles?: string[];
}

export interface ConfigLayout {
  config: string;
  splits: SplitLayout[];
}

export interface DatasetLayout {
  configs: ConfigLayout[];
}
