// The error catalog: every failure Moda reports has a stable code, an HTTP status, whether retrying
// can help, and (where the Hugging Face clients look for one) the value of the X-Error-Code header.

export interface ErrorSpec {
  status: number;
  retryable: boolean;
  /** Value of `X-Error-Code` that huggingface_hub / @huggingface/hub recognise. */
  hfCode?: string;
  message: string;
}

export const errorCatalog = {
  CONFIG_INVALID: { status: 500, retryable: false, message: 'Invalid configuration' },
  BAD_REQUEST: { status: 400, retryable: false, message: 'Bad request' },
  VALIDATION_FAILED: { status: 400, retryable: false, message: 'The request does not match its schema' },
  PATH_INVALID: { status: 400, retryable: false, message: 'Invalid file path' },
  REPO_NAME_INVALID: { status: 400, retryable: false, message: 'Invalid repository name' },
  REVISION_INVALID: { status: 400, retryable: false, message: 'Invalid revision name' },
  NDJSON_INVALID: { status: 400, retryable: false, message: 'Malformed NDJSON commit body' },
  BODY_TOO_LARGE: { status: 413, retryable: false, message: 'Request body too large' },
  RANGE_NOT_SATISFIABLE: { status: 416, retryable: false, message: 'Requested range not satisfiable' },
  AUTH_REQUIRED: { status: 401, retryable: false, message: 'Authentication required' },
  AUTH_INVALID_TOKEN: { status: 401, retryable: false, message: 'Invalid or revoked access token' },
  AUTH_FORBIDDEN: { status: 403, retryable: false, message: 'This token may not do that' },
  HUB_REPO_NOT_FOUND: { status: 404, retryable: false, hfCode: 'RepoNotFound', message: 'Repository not found' },
  HUB_REVISION_NOT_FOUND: { status: 404, retryable: false, hfCode: 'RevisionNotFound', message: 'Revision not found' },
  HUB_ENTRY_NOT_FOUND: { status: 404, retryable: false, hfCode: 'EntryNotFound', message: 'Entry not found' },
  HUB_USER_NOT_FOUND: { status: 404, retryable: false, message: 'User or organization not found' },
  HUB_TOKEN_NOT_FOUND: { status: 404, retryable: false, message: 'Token not found' },
  HUB_REPO_EXISTS: { status: 409, retryable: false, message: 'Repository already exists' },
  HUB_NAME_TAKEN: { status: 409, retryable: false, message: 'Name already taken' },
  HUB_REF_EXISTS: { status: 409, retryable: false, message: 'Reference already exists' },
  HUB_REF_PROTECTED: { status: 403, retryable: false, message: 'The default branch cannot be deleted' },
  HUB_PARENT_COMMIT_STALE: { status: 412, retryable: false, message: 'parentCommit is not the head of the branch' },
  HUB_COMMIT_CONFLICT: { status: 409, retryable: true, message: 'The branch moved while committing; try again' },
  HUB_COMMIT_EMPTY: { status: 400, retryable: false, message: 'The commit has no operations' },
  LFS_OBJECT_MISSING: { status: 422, retryable: false, message: 'LFS object has not been uploaded' },
  LFS_OBJECT_MISMATCH: { status: 422, retryable: false, message: 'Uploaded content does not match its sha256 and size' },
  LFS_OBJECT_TOO_LARGE: { status: 413, retryable: false, message: 'LFS object too large' },
  DOWNLOAD_DIGEST_MISMATCH: { status: 502, retryable: true, message: 'Downloaded content does not match its expected digest' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found' },
  UPSTREAM_UNAVAILABLE: { status: 502, retryable: true, message: 'Upstream unavailable' },
  UPSTREAM_INVALID_RESPONSE: { status: 502, retryable: false, message: 'The upstream hub answered something this client cannot use' },
  PULL_SOURCE_INVALID: { status: 400, retryable: false, message: 'Invalid pull source; use hf:<ns>/<name>, ms:<ns>/<name> or moda:<url>/<ns>/<name>' },
  BUNDLE_INVALID: { status: 400, retryable: false, message: 'Not a valid Moda bundle' },
  BUNDLE_PATH_UNSAFE: { status: 400, retryable: false, message: 'The bundle holds an entry whose path escapes its root or is not a plain file' },
  BUNDLE_CHECKSUM_MISMATCH: { status: 422, retryable: false, message: 'Bundle content does not match the checksums of its manifest' },
  TASK_UNKNOWN: { status: 404, retryable: false, message: 'Unknown task' },
  TASK_MISMATCH: { status: 422, retryable: false, message: 'This model does not run that task' },
  TASK_INPUT_INVALID: { status: 400, retryable: false, message: 'The input does not match the task schema' },
  BATCH_EMPTY: { status: 400, retryable: false, message: 'The batch holds no inputs' },
  INPUT_TOO_LONG: { status: 413, retryable: false, message: 'The input is longer than the model accepts' },
  IMAGE_DECODE_FAILED: { status: 400, retryable: false, message: 'The image could not be decoded' },
  IMAGE_TOO_LARGE: { status: 413, retryable: false, message: 'The image has more pixels than allowed' },
  IMAGE_FETCH_FAILED: { status: 400, retryable: false, message: 'The image URL could not be fetched' },
  AUDIO_FORMAT_UNSUPPORTED: { status: 415, retryable: false, message: 'Unsupported audio format; send 16-bit PCM or float WAV' },
  AUDIO_DECODE_FAILED: { status: 400, retryable: false, message: 'The audio could not be decoded' },
  MODEL_NOT_RUNNABLE: { status: 422, retryable: false, message: 'The repository holds no model Moda can run' },
  MODEL_LOAD_FAILED: { status: 422, retryable: false, message: 'The model files could not be loaded' },
  MODEL_INFERENCE_FAILED: { status: 500, retryable: false, message: 'The model failed while running' },
  ENGINE_UNAVAILABLE: { status: 501, retryable: false, message: 'The engine this model needs is not installed' },
  MODEL_CRASHED: { status: 503, retryable: true, message: "The model's process stopped; it is being loaded again" },
  MODEL_QUARANTINED: { status: 422, retryable: false, message: 'The model stopped its process each time it was loaded; it is not loaded again until redeployed or a new commit' },
  MODEL_MEMORY_LIMIT: { status: 503, retryable: false, message: "The model's process went past its memory limit and was stopped" },
  MODEL_MEMORY_EXHAUSTED: { status: 503, retryable: true, message: 'The model does not fit in the memory budget now' },
  QUEUE_FULL: { status: 429, retryable: true, message: 'Too many requests are waiting for this model' },
  INFERENCE_TIMEOUT: { status: 504, retryable: true, message: 'The request timed out before the model answered' },
  REQUEST_CANCELLED: { status: 499, retryable: false, message: 'The client went away' },
  CATALOG_SOURCE_MISSING: { status: 500, retryable: false, message: 'A starter model file is not installed on this machine' },
  INTERNAL: { status: 500, retryable: true, message: 'Internal server error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalog;
