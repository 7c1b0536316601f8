// The `Data` of model and dataset info answers, from a repo's index row. Field names follow the
// keys the SDK's ModelInfo/DatasetInfo read (hub/info.py); times are Unix seconds.
import { visibilityOf, type RepoRow } from '../../hub/repos/repo-record.js';
import { licenseName } from './licenses.js';
import { epochSeconds, visibilityCode } from './wire-fields.js';

/** `Type` of a dataset: 4 is DatasetFormations.general, the git-hosted kind the SDK loads itself. */
export const GENERAL_DATASET_TYPE = 4;

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function common(row: RepoRow) {
  return {
    Id: row.id,
    Name: row.name,
    Path: row.namespace,
    ChineseName: row.chinese_name ?? '',
    Visibility: visibilityCode(visibilityOf(row)),
    License: licenseName(row.license),
    Downloads: row.downloads,
    Stars: row.likes,
    Likes: row.likes,
    Tags: stringList(parseJson(row.tags)),
    CreatedTime: epochSeconds(row.created_at),
    LastUpdatedTime: epochSeconds(row.last_modified),
    DefaultBranch: row.default_branch,
  };
}

export function modelSummary(row: RepoRow): Record<string, unknown> {
  const config = (parseJson(row.config) ?? {}) as { architectures?: unknown; model_type?: unknown };
  return {
    ...common(row),
    Tasks: row.pipeline_tag ? [{ Name: row.pipeline_tag }] : [],
    ModelType: stringList(config.model_type),
    Architectures: stringList(config.architectures),
    LibraryName: row.library_name ?? '',
  };
}

export function datasetSummary(row: RepoRow): Record<string, unknown> {
  return {
    ...common(row),
    Type: GENERAL_DATASET_TYPE,
    Namespace: row.namespace,
    Owner: row.namespace,
    GmtCreate: epochSeconds(row.created_at),
  };
}
