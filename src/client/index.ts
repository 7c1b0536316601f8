// The client's public surface: what the CLI, the web UI and other programs import. moda-client.ts
// and api-types.ts need only `fetch` (browser-safe); upload and download work on local files (Node).
export type * from './api-types.js';
export { MEMBER_ROLES, REPO_TYPES, SEARCH_SORTS, TOKEN_ROLES } from './api-types.js';
export { checkRepoId, DEFAULT_REVISION, ModaClient, type FetchFunction, type ModaClientOptions, type RepoOptions, type RevisionOptions } from './moda-client.js';
export { upload, uploadIter, type UploadEvent, type UploadOptions, type UploadPhase } from './upload.js';
export { download, downloadIter, DEFAULT_PARALLEL_THRESHOLD, DEFAULT_PART_SIZE, type DownloadedFile, type DownloadEvent, type DownloadOptions, type DownloadResult } from './download.js';
export { repoCache, repoFolderName, type RepoCache } from './hf-cache.js';
