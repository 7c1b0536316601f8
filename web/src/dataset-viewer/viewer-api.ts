// The dataset viewer's requests: the Hugging Face dataset-viewer routes that Moda serves under
// /datasets-server and Moda's own read-only SQL route. They go through apiJson, so errors arrive
// as ApiErrors with the server's stable code.
import { apiJson } from '../api.js';
import { queryString, rowsPath, type RowsQuery, type RowsResponse, type SplitRef, type SplitsResponse, type SqlResponse, type StatisticsResponse } from './viewer-types.js';

export * from './viewer-types.js';

export function fetchSplits(dataset: string, revision: string | undefined, signal?: AbortSignal): Promise<SplitsResponse> {
  return apiJson<SplitsResponse>(`/datasets-server/splits?${queryString({ dataset, revision })}`, { signal });
}

export function fetchRows(query: RowsQuery, signal?: AbortSignal): Promise<RowsResponse> {
  return apiJson<RowsResponse>(rowsPath(query), { signal });
}

export function fetchStatistics(split: SplitRef, signal?: AbortSignal): Promise<StatisticsResponse> {
  return apiJson<StatisticsResponse>(`/datasets-server/statistics?${queryString({ dataset: split.dataset, config: split.config, split: split.split, revision: split.revision })}`, { signal });
}

export function runSql(input: { dataset: string; revision?: string | undefined; config?: string | undefined; query: string }, signal?: AbortSignal): Promise<SqlResponse> {
  return apiJson<SqlResponse>('/datasets-server/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input), signal });
}
