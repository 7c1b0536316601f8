// The one typed configuration of Moda: every environment variable is declared here once, with its
// default and description, and read through loadConfig. `moda --help` and the README table use the list.
import { isIP } from 'node:net';
import { homedir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { ModaError } from '../errors/moda-error.js';
import { parseRateRule, type RateRule } from './rate-rule.js';

export interface Config {
  /** Data directory: git repos, blobs, SQLite file, download cache. */
  home: string;
  host: string;
  port: number;
  /** Token given to the `admin` user on start; empty = none. */
  adminToken: string;
  /** Public base URL written into LFS hrefs and commit URLs; empty = derived from each request. */
  publicUrl: string;
  /** `sqlite` (default, file under home) or a `postgres://` URL. */
  databaseUrl: string;
  /** Files at least this large become LFS objects when a client asks (preupload). */
  lfsThresholdBytes: number;
  /** Largest accepted JSON body. */
  maxJsonBytes: number;
  /** Largest accepted NDJSON commit body (inline base64 files). */
  maxCommitBytes: number;
  /** Largest accepted LFS object. */
  maxLfsObjectBytes: number;
  logLevel: string;
  /** Client side: server the CLI talks to. */
  endpoint: string;
  /** Client side: token the CLI sends. */
  token: string;
  /** Client side: download cache (HF layout); empty = $MODA_HOME/cache/hub. */
  cacheDir: string;
  /** `moda pull hf:…`: base URL of the Hugging Face-API hub pulled from. */
  hfUpstream: string;
  /** `moda pull ms:…`: base URL of the ModelScope hub pulled from. */
  msUpstream: string;
  /** Server side: HF-API hub that repos missing here are fetched from on first request; empty = off. */
  mirrorUpstream: string;
  /** Where models run: `cpu`, or `cuda` when the CUDA execution provider is installed. */
  device: 'cpu' | 'cuda';
  /** Intra-op threads per model session; 0 = one per core. */
  threads: number;
  /** Largest image (width × height) a pipeline decodes. */
  maxImagePixels: number;
  /** Import the starter catalog into the hub on `moda serve` when it is missing. */
  catalog: boolean;
  /** Memory the loaded models may hold together; idle models are evicted to stay under it. */
  maxModelMemoryBytes: number;
  /** How long an idle implicitly loaded model stays loaded. */
  keepAliveMs: number;
  /** Instances per served model; 0 = automatic. */
  modelReplicas: number;
  /** Write uploaded blobs with O_DIRECT where the file system allows it. */
  blobDirectIo: boolean;
  /** Folder of the built web UI that `moda serve` serves; empty = web/dist of this checkout. */
  webDist: string;
  gitMaxBackends: number;
  gitMaxBackendsPerClient: number;
  gitIdleTimeoutMs: number;
  gitBodyTimeoutMs: number;
  /** Largest inference request body (JSON with base64 media, or raw image/audio bytes). */
  maxInferenceBytes: number;
  /** Most inputs run together in one batch. */
  maxBatchSize: number;
  /** Most inputs waiting per model before requests get 429. */
  maxQueue: number;
  /** Inference inputs may be http(s) URLs the server fetches; false refuses them. */
  fetchInputs: boolean;
  /** Host names, addresses and CIDR blocks input URLs may reach although they are not public. */
  fetchAllow: string;
  /** Longest wait for an input URL's response to start, and between two reads. */
  fetchConnectTimeoutMs: number;
  /** Longest time fetching the input URLs of one request may take. */
  fetchTimeoutMs: number;
  /** Largest body fetched for one input URL. */
  fetchMaxBytes: number;
  /** Decoded pixels and samples one request may need, in bytes. */
  maxDecodeBytesPerRequest: number;
  /** Decoded pixels and samples all requests in flight may need together, in bytes. */
  maxDecodeBytes: number;
  /** Rate limits on (per token and per client address); off turns every limit below off. */
  rateLimits: boolean;
  /** Sign-ins: ModelScope login and token checks (whoami). */
  rateLimitLogin: RateRule | null;
  /** Requests carrying a token the server refuses, per client address; past it the address gets 429. */
  rateLimitAuthFailures: RateRule | null;
  rateLimitTokenCreate: RateRule | null;
  rateLimitRepoCreate: RateRule | null;
  /** API commits (Hugging Face, ModelScope) and git pushes. */
  rateLimitCommit: RateRule | null;
  /** LFS and ModelScope object uploads. */
  rateLimitUpload: RateRule | null;
  rateLimitInference: RateRule | null;
  /** Most repos one user or organization may own; 0 = no limit. */
  quotaRepos: number;
  /** Most LFS bytes the repos of one namespace may hold; 0 = no limit. */
  quotaStorageBytes: number;
  /** Browser origins allowed credentialed CORS (cookies, cached Basic auth); others get CORS without credentials. */
  corsOrigins: string[];
  /** Host names (with or without port) the server answers to besides its listen address, loopback and MODA_PUBLIC_URL. */
  allowedHosts: string[];
  /** Whether anyone may list an organization's members; otherwise only members and site admins. */
  publicOrgMembers: boolean;
  /** Resident memory one model process may hold before it is killed; 0 = maxModelMemoryBytes. */
  modelProcessMemoryBytes: number;
  /** V8 heap of one model process (`--max-old-space-size`), bytes. */
  modelProcessHeapBytes: number;
  /** Wall-clock time one batch may run before its model process is killed; 0 = none. */
  modelBatchTimeoutMs: number;
  /** Time a model process may take to load its model before it is killed. */
  modelLoadTimeoutMs: number;
  /** Times in a row a model may stop its process while loading before it is quarantined. */
  modelCrashLimit: number;
  /** Labels (boxes, segments) one input gets back at most: the default top_k and its ceiling. */
  modelMaxLabels: number;
  /** Classes a model may declare in config.json; more is refused at load. */
  modelMaxClasses: number;
  /** Bytes of JSON one input's output may take. */
  modelMaxOutputBytes: number;
  /** Wall-clock time one chat template rendering (or prompt tokenization) may take in the model process. */
  chatTemplateTimeoutMs: number;
  /** Items all range() calls of one chat template rendering may produce together. */
  chatTemplateRangeItems: number;
  /** Address space of one external program run (tesseract, espeak-ng). */
  externalProgramMemoryBytes: number;
  /** Wall-clock (and CPU) time of one external program run. */
  externalProgramTimeoutMs: number;
  /** External program processes one batch runs at once. */
  externalProgramProcesses: number;
  /** Jobs one server runs at once, each in a process of its own; 0 = from the cores. */
  jobConcurrency: number;
  /** Extra modules whose `registerJobTypes(registry)` adds job types (plug-ins). */
  jobModules: string[];
  /** Longest one dataset viewer query may run before it is interrupted. */
  datasetQueryTimeoutMs: number;
  /** Most rows the dataset SQL route returns. */
  datasetSqlMaxRows: number;
  /** DuckDB memory_limit of one dataset preparation or query engine. */
  datasetMemoryBytes: number;
  /** DuckDB threads of one dataset preparation or query engine. */
  datasetThreads: number;
  /** Where LFS objects live: empty = files under home/blobs, or an S3 location (bucket and key prefix). */
  blobStore: BlobStoreLocation | null;
  /** S3 API endpoint (http(s) URL); empty = AWS for the region. */
  s3Endpoint: string;
  s3Region: string;
  /** Path-style S3 URLs (endpoint/bucket/key) instead of virtual-host style (bucket.endpoint/key). */
  s3ForcePathStyle: boolean;
  /** Endpoint written into presigned download URLs (SigV4 signs the host); empty = s3Endpoint. */
  s3PublicEndpoint: string;
  /** S3 credentials; empty = the AWS SDK's default chain (profile, web identity, instance role). */
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  /** Serve S3 blobs through the server (with ranges) instead of redirecting to presigned URLs. */
  blobProxy: boolean;
  /** Sequences of each GGUF model's context (requests generating at once); 0 = from memory and cores. */
  llmParallel: number;
  /** Tokens of context per sequence of a GGUF model (capped at what the model was trained for). */
  llmContext: number;
  /** Requests that may wait for a sequence of a GGUF model; more get 429. */
  llmQueue: number;
  /** Folder of the bare git repositories, shared by every replica in a cluster; empty = $MODA_HOME/repos. */
  gitRoot: string;
  /** `redis://` URL: cache invalidation across replicas and shared rate-limit counters; empty = in-process only. */
  redisUrl: string;
  /** `moda serve` brings the database schema up to date itself; off = it waits for `moda migrate`. */
  migrateOnStart: boolean;
  /** After SIGTERM: how long /readyz answers 503 while requests are still served, before the listener closes. */
  shutdownDelayMs: number;
  /** After SIGTERM: longest wait for requests in flight to finish before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Addresses or CIDR blocks of proxies (nginx) whose X-Forwarded-For/-Proto are believed; empty = none. */
  trustProxy: string[];
  /** Whether `moda serve` runs jobs too (in a cluster, `moda worker` processes can run them alone). */
  jobWorker: boolean;
  /** Cluster mode: a replica or worker silent longer than this is taken for dead (its jobs and scratch folders are taken over). */
  clusterLeaseMs: number;
  /** This host's name in runner ids and leases; empty = the OS host name. */
  nodeName: string;
  /** Cluster mode: age after which a scratch folder or temp blob of an unknown owner is removed. */
  scratchMaxAgeMs: number;
  /** Jobs one user may have waiting in the queue; more are refused with 429 (0 = no limit). */
  jobsMaxQueuedPerUser: number;
  /** Bytes the dataset viewer's prepared-commit cache may hold before the least recently used commits are removed (0 = no limit). */
  datasetsCacheMaxBytes: number;
  /** Folder of the starter catalog to import; empty = the catalog/ shipped with Moda. */
  catalogDir: string;
  /** Most classes a `tune` job's label column may hold. */
  tuneMaxClasses: number;
  /** Most rows a `tune` job reads from its dataset (training and validation together). */
  tuneMaxRows: number;
  /** Samples an `eval` job keeps in flight to the serving path at once. */
  evalConcurrency: number;
  /** After the starter catalog import, evaluate the starter models on the starter benchmarks that fit their task. */
  starterEvals: boolean;
  /** ONNX Runtime sessions of model processes: idle intra-op threads spin-wait (ONNX Runtime's default) instead of sleeping; off by default. */
  onnxSpinning: boolean;
  /** Folder for job processes' V8 CPU profiles; empty = none. */
  jobCpuProfileDir: string;
}

/** `MODA_BLOB_STORE=s3://bucket/prefix`, parsed. */
export interface BlobStoreLocation {
  bucket: string;
  /** Key prefix without leading or trailing slash; empty = the bucket's root. */
  prefix: string;
}

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  description: string;
  default: (env: NodeJS.ProcessEnv) => Config[K];
  /** How the docs state a default that depends on the machine (memory, cores, paths), never its value here. */
  defaultRule?: string;
  parse: (raw: string, env: string) => Config[K];
}

const text = (raw: string): string => raw;

/** Addresses and CIDR blocks (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`), comma-separated. */
function proxyAddresses(raw: string, env: string): string[] {
  return list(raw).map((entry) => {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) throw new ModaError('CONFIG_INVALID', `${env} must list IP addresses or CIDR blocks such as 10.0.0.0/8, got "${entry}"`);
    return entry;
  });
}

function redisUrl(raw: string, env: string): string {
  if (!/^rediss?:\/\/[^/]/.test(raw)) throw new ModaError('CONFIG_INVALID', `${env} must be a redis:// or rediss:// URL, got "${raw}"`);
  return raw;
}

function integer(raw: string, env: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ModaError('CONFIG_INVALID', `${env} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function port(raw: string, env: string): number {
  const value = integer(raw, env);
  if (value > 65535) throw new ModaError('CONFIG_INVALID', `${env} must be a port number (0-65535), got "${raw}"`);
  return value;
}

function bytes(raw: string, env: string): number {
  const match = /^(\d+)\s*([kmgt]?i?b?)?$/i.exec(raw.trim());
  if (!match) throw new ModaError('CONFIG_INVALID', `${env} must be a size such as 10MiB, got "${raw}"`);
  const unit = (match[2] ?? '').toLowerCase().replace(/i?b$/, '');
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit];
  if (scale === undefined) throw new ModaError('CONFIG_INVALID', `${env} has an unknown unit in "${raw}"`);
  return Number(match[1]) * scale;
}

function url(raw: string, env: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(trimmed)) throw new ModaError('CONFIG_INVALID', `${env} must be an http(s) URL, got "${raw}"`);
  return trimmed;
}

function device(raw: string, env: string): Config['device'] {
  const value = raw.trim().toLowerCase();
  if (value !== 'cpu' && value !== 'cuda') throw new ModaError('CONFIG_INVALID', `${env} must be cpu or cuda, got "${raw}"`);
  return value;
}

function flag(raw: string, env: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new ModaError('CONFIG_INVALID', `${env} must be 1 or 0, got "${raw}"`);
}

/** `300s`, `5m`, `1.5h`, `250ms` or plain seconds (`30`) in milliseconds; undefined when it is none of these. */
export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) return undefined;
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * scale);
}

export function duration(raw: string, env: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined) throw new ModaError('CONFIG_INVALID', `${env} must be a duration such as 300s or 5m, got "${raw}"`);
  return ms;
}

/** A parser that also refuses 0: for limits where 0 would refuse everything rather than mean "none". */
function positive(parse: (raw: string, env: string) => number): (raw: string, env: string) => number {
  return (raw, env) => {
    const value = parse(raw, env);
    if (!(value > 0)) throw new ModaError('CONFIG_INVALID', `${env} must be more than 0, got "${raw}"`);
    return value;
  };
}

/** A comma-separated list of browser origins (`https://app.example.com`), each normalized by URL. */
function origins(raw: string, env: string): string[] {
  return list(raw).map((entry) => {
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      throw new ModaError('CONFIG_INVALID', `${env} must list origins such as https://app.example.com, got "${entry}"`);
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.origin === 'null') throw new ModaError('CONFIG_INVALID', `${env} must list http(s) origins, got "${entry}"`);
    return parsed.origin;
  });
}

/** `s3://bucket` or `s3://bucket/some/prefix`; the bucket name follows S3's rules (3-63 of a-z 0-9 . -). */
export function parseBlobStore(raw: string, env: string): BlobStoreLocation | null {
  const value = raw.trim();
  if (value === '' || value === 'fs') return null;
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!match) throw new ModaError('CONFIG_INVALID', `${env} must be empty (files under MODA_HOME) or s3://bucket/prefix, got "${raw}"`);
  const bucket = match[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ModaError('CONFIG_INVALID', `${env} names an invalid bucket "${bucket}" (3-63 of a-z, 0-9, '.', '-')`);
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '.' || part === '..') || /\/\//.test(prefix)) {
    throw new ModaError('CONFIG_INVALID', `${env} has an invalid key prefix "${prefix}"`);
  }
  return { bucket, prefix };
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function define<K extends keyof Config>(setting: Setting<K>): Setting<K> {
  return setting;
}

/** Every setting, in the order `moda --help` and the README list them. */
export const settings = [
  define({ key: 'home', env: 'MODA_HOME', description: 'Data directory (git repos, blobs, SQLite, caches)', default: () => join(homedir(), '.moda'), parse: (raw) => resolve(raw) }),
  define({ key: 'host', env: 'MODA_HOST', description: 'Address `moda serve` listens on', default: () => '127.0.0.1', parse: text }),
  define({ key: 'port', env: 'MODA_PORT', description: 'Port `moda serve` listens on (0 = any free port)', default: () => 8080, parse: port }),
  define({ key: 'adminToken', env: 'MODA_ADMIN_TOKEN', description: 'Token of the `admin` user, created on start; start it with `hf_` to use it from @huggingface/hub', default: () => '', parse: text }),
  define({ key: 'publicUrl', env: 'MODA_PUBLIC_URL', description: 'Public base URL used in LFS and commit links (default: taken from each request)', default: () => '', parse: (raw) => raw.replace(/\/+$/, '') }),
  define({ key: 'databaseUrl', env: 'MODA_DATABASE_URL', description: '`sqlite` (file under MODA_HOME) or a `postgres://` URL', default: () => 'sqlite', parse: text }),
  define({ key: 'lfsThresholdBytes', env: 'MODA_LFS_THRESHOLD', description: 'Files this large or larger are stored with Git LFS', default: () => 10 * 1024 ** 2, parse: bytes }),
  define({ key: 'maxJsonBytes', env: 'MODA_MAX_JSON_BODY', description: 'Largest JSON request body (larger: 413)', default: () => 1024 ** 2, parse: bytes }),
  define({ key: 'maxCommitBytes', env: 'MODA_MAX_COMMIT_BODY', description: 'Largest NDJSON commit body with inline files (larger: 413)', default: () => 256 * 1024 ** 2, parse: bytes }),
  define({ key: 'maxLfsObjectBytes', env: 'MODA_MAX_LFS_OBJECT', description: 'Largest single LFS object accepted', default: () => 64 * 1024 ** 3, parse: bytes }),
  define({ key: 'logLevel', env: 'MODA_LOG_LEVEL', description: 'Server log level (fatal, error, warn, info, debug, silent)', default: () => 'warn', parse: text }),
  define({ key: 'endpoint', env: 'MODA_ENDPOINT', description: 'CLI: URL of the Moda server', default: () => 'http://127.0.0.1:8080', parse: (raw) => raw.replace(/\/+$/, '') }),
  define({ key: 'cacheDir', env: 'MODA_CACHE_DIR', description: 'CLI: download cache in the Hugging Face layout (default: $MODA_HOME/cache/hub)', default: () => '', parse: (raw) => resolve(raw) }),
  define({ key: 'token', env: 'MODA_TOKEN', description: 'CLI: access token sent to the server (default: the one saved by `moda login`)', default: () => '', parse: text }),
  define({ key: 'hfUpstream', env: 'MODA_HF_UPSTREAM', description: '`moda pull hf:…`: Hugging Face-API hub to pull from', default: () => 'https://huggingface.co', parse: url }),
  define({ key: 'msUpstream', env: 'MODA_MS_UPSTREAM', description: '`moda pull ms:…`: ModelScope hub to pull from', default: () => 'https://www.modelscope.cn', parse: url }),
  define({ key: 'mirrorUpstream', env: 'MODA_MIRROR_UPSTREAM', description: 'Read-through mirror: Hugging Face-API hub that repos missing here are imported from on first request (empty = off)', default: () => '', parse: url }),
  define({ key: 'device', env: 'MODA_DEVICE', description: 'Where models run: `cpu`, or `cuda` (ONNX models, when the CUDA execution provider is installed; otherwise CPU)', default: () => 'cpu' as const, parse: device }),
  define({ key: 'threads', env: 'MODA_THREADS', description: 'Threads per model session (0 = the cores shared among the instances of a model)', default: () => 0, parse: integer }),
  define({ key: 'maxImagePixels', env: 'MODA_MAX_IMAGE_PIXELS', description: 'Largest image (width × height) a pipeline decodes (larger: 413)', default: () => 40_000_000, parse: integer }),
  define({ key: 'catalog', env: 'MODA_CATALOG', description: '`moda serve` imports the starter models into the hub when missing (`0` = off)', default: () => true, parse: flag }),
  define({ key: 'maxModelMemoryBytes', env: 'MODA_MAX_MODEL_MEMORY', description: 'Memory loaded models may hold together; idle ones are evicted, and a model that cannot fit gets 503', default: () => Math.floor(totalmem() / 2), defaultRule: 'half of the memory', parse: bytes }),
  define({ key: 'keepAliveMs', env: 'MODA_KEEP_ALIVE', description: 'How long an idle model stays loaded, e.g. 300s, 10m, 0 = unload at once', default: () => 5 * 60_000, parse: duration }),
  define({ key: 'maxInferenceBytes', env: 'MODA_MAX_INFERENCE_BODY', description: 'Largest inference request body (larger: 413)', default: () => 32 * 1024 ** 2, parse: bytes }),
  define({ key: 'maxBatchSize', env: 'MODA_MAX_BATCH_SIZE', description: 'Most inputs one model runs together in a batch', default: () => 8, parse: integer }),
  define({ key: 'maxQueue', env: 'MODA_MAX_QUEUE', description: 'Most inputs waiting per model before requests get 429', default: () => 256, parse: integer }),
  define({ key: 'modelReplicas', env: 'MODA_MODEL_REPLICAS', description: 'Instances of each served model running batches at once (0 = one per core for single-threaded engines such as tfjs and for ONNX models up to 256 MiB on CPU, each session then on one thread, plus one session over every core that runs a batch when nothing else runs or waits; one for others)', default: () => 0, parse: integer }),
  define({ key: 'blobDirectIo', env: 'MODA_BLOB_DIRECT_IO', description: 'Write uploaded LFS objects with direct I/O (O_DIRECT) where the file system has it; `0` = through the page cache', default: () => true, parse: flag }),
  define({ key: 'webDist', env: 'MODA_WEB_DIST', description: 'Folder of the built web UI that `moda serve` serves (default: web/dist of the installation)', default: () => '', parse: (raw) => resolve(raw) }),
  define({ key: 'fetchInputs', env: 'MODA_FETCH_INPUTS', description: 'Inference inputs may be http(s) URLs that the server fetches (`0` = refused with INPUT_FETCH_DISABLED); only public addresses are fetched', default: () => true, parse: flag }),
  define({ key: 'fetchAllow', env: 'MODA_FETCH_ALLOW', description: 'Host names, IP addresses and CIDR blocks (comma-separated) that input URLs may reach although they are loopback, private or link-local', default: () => '', parse: text }),
  define({ key: 'fetchConnectTimeoutMs', env: 'MODA_FETCH_CONNECT_TIMEOUT', description: 'Longest wait for an input URL to start answering, and between two reads of its body', default: () => 3_000, parse: duration }),
  define({ key: 'fetchTimeoutMs', env: 'MODA_FETCH_TIMEOUT', description: 'Longest time fetching the input URLs of one request may take, redirects and bodies included', default: () => 10_000, parse: duration }),
  define({ key: 'fetchMaxBytes', env: 'MODA_FETCH_MAX_BYTES', description: 'Largest body fetched for one input URL', default: () => 16 * 1024 ** 2, parse: bytes }),
  define({ key: 'maxDecodeBytesPerRequest', env: 'MODA_MAX_DECODE_PER_REQUEST', description: 'Memory the decoded images and audio of one request may take, judged from their headers before decoding (larger: 413)', default: () => 512 * 1024 ** 2, parse: bytes }),
  define({ key: 'maxDecodeBytes', env: 'MODA_MAX_DECODE', description: 'Memory the decoded images and audio of all requests in flight may take together (beyond: 429, retry later)', default: () => 1024 ** 3, parse: bytes }),
  define({ key: 'rateLimits', env: 'MODA_RATE_LIMITS', description: 'Rate limits per token and per client address (`0` = every MODA_RATE_LIMIT_* off; loopback is not exempt); over a limit: 429 RATE_LIMITED with Retry-After', default: () => true, parse: flag }),
  define({ key: 'rateLimitLogin', env: 'MODA_RATE_LIMIT_LOGIN', description: 'Sign-ins (ModelScope `/api/v1/login`, `/api/whoami-v2`) per token and per address, e.g. 30/m, 1000/h, 5/10s; `0` = off', default: () => parseRateRule('120/m', 'MODA_RATE_LIMIT_LOGIN'), defaultRule: '120/m', parse: parseRateRule }),
  define({ key: 'rateLimitAuthFailures', env: 'MODA_RATE_LIMIT_AUTH_FAILURES', description: 'Requests with a refused (unknown, revoked, expired) token per client address; past it the address gets 429 until the window refills; `0` = off', default: () => parseRateRule('30/m', 'MODA_RATE_LIMIT_AUTH_FAILURES'), defaultRule: '30/m', parse: parseRateRule }),
  define({ key: 'rateLimitTokenCreate', env: 'MODA_RATE_LIMIT_TOKEN_CREATE', description: 'Token creations per token and per address; `0` = off', default: () => parseRateRule('60/m', 'MODA_RATE_LIMIT_TOKEN_CREATE'), defaultRule: '60/m', parse: parseRateRule }),
  define({ key: 'rateLimitRepoCreate', env: 'MODA_RATE_LIMIT_REPO_CREATE', description: 'Repo creations (Hugging Face, ModelScope) per token and per address; `0` = off', default: () => parseRateRule('120/m', 'MODA_RATE_LIMIT_REPO_CREATE'), defaultRule: '120/m', parse: parseRateRule }),
  define({ key: 'rateLimitCommit', env: 'MODA_RATE_LIMIT_COMMIT', description: 'Commits (Hugging Face NDJSON, ModelScope) and git pushes per token and per address; `0` = off', default: () => parseRateRule('600/m', 'MODA_RATE_LIMIT_COMMIT'), defaultRule: '600/m', parse: parseRateRule }),
  define({ key: 'rateLimitUpload', env: 'MODA_RATE_LIMIT_UPLOAD', description: 'Object uploads (LFS PUT, ModelScope PUT) per token and per address; `0` = off', default: () => parseRateRule('3000/m', 'MODA_RATE_LIMIT_UPLOAD'), defaultRule: '3000/m', parse: parseRateRule }),
  define({ key: 'rateLimitInference', env: 'MODA_RATE_LIMIT_INFERENCE', description: 'Inference requests (`/api/v1/models/…/pipeline`, Hugging Face `/models/…`, OpenAI `/v1/…`) per token and per address; `0` = off', default: () => parseRateRule('6000/m', 'MODA_RATE_LIMIT_INFERENCE'), defaultRule: '6000/m', parse: parseRateRule }),
  define({ key: 'quotaRepos', env: 'MODA_QUOTA_REPOS', description: 'Most repos (models and datasets) one user or organization may own; more: 403 QUOTA_REPOS_EXCEEDED (0 = no limit)', default: () => 1000, parse: integer }),
  define({ key: 'quotaStorageBytes', env: 'MODA_QUOTA_STORAGE', description: 'Most LFS bytes the repos of one user or organization may hold, counted per distinct object uploaded or committed there; an upload past it is refused before it starts with QUOTA_STORAGE_EXCEEDED (0 = no limit)', default: () => 0, parse: bytes }),
  define({ key: 'gitMaxBackends', env: 'MODA_GIT_MAX_BACKENDS', description: 'Most `git http-backend` processes (clone, fetch, push) running at once; more get 503 with Retry-After', default: () => 64, parse: integer }),
  define({ key: 'gitMaxBackendsPerClient', env: 'MODA_GIT_MAX_BACKENDS_PER_CLIENT', description: 'Most `git http-backend` processes one client address may hold at once; more get 429 with Retry-After', default: () => 8, parse: integer }),
  define({ key: 'gitIdleTimeoutMs', env: 'MODA_GIT_IDLE_TIMEOUT', description: 'A git transfer that moves no bytes either way for this long is ended, e.g. 60s', default: () => 60_000, parse: duration }),
  define({ key: 'gitBodyTimeoutMs', env: 'MODA_GIT_BODY_TIMEOUT', description: 'Longest a git request body (a push pack, a fetch negotiation) may take to arrive, e.g. 30m', default: () => 30 * 60_000, parse: duration }),
  define({ key: 'corsOrigins', env: 'MODA_CORS_ORIGINS', description: 'Comma-separated browser origins (https://app.example.com) that may make credentialed cross-origin requests (cookies, cached Basic auth) and cookie-authenticated writes; other origins get CORS without credentials', default: () => [], parse: origins }),
  define({ key: 'allowedHosts', env: 'MODA_ALLOWED_HOSTS', description: 'Comma-separated host names (optionally host:port) the server answers to besides loopback, its listen address and MODA_PUBLIC_URL; other Host headers get 400', default: () => [], parse: (raw) => list(raw).map((host) => host.toLowerCase()) }),
  define({ key: 'publicOrgMembers', env: 'MODA_PUBLIC_ORG_MEMBERS', description: 'Anyone may list the members of an organization (`0` = only its members and site admins)', default: () => false, parse: flag }),
  define({ key: 'modelProcessMemoryBytes', env: 'MODA_MODEL_PROCESS_MEMORY', description: 'Resident memory (RSS) one model process may hold; past it the process is killed and its requests get 503 MODEL_MEMORY_LIMIT (0 = MODA_MAX_MODEL_MEMORY)', default: () => 0, parse: bytes }),
  define({ key: 'modelProcessHeapBytes', env: 'MODA_MODEL_PROCESS_HEAP', description: 'JavaScript heap of one model process (node --max-old-space-size); a model past it stops only its own process', default: () => 4 * 1024 ** 3, parse: bytes }),
  define({ key: 'modelBatchTimeoutMs', env: 'MODA_MODEL_BATCH_TIMEOUT', description: 'Wall-clock time one batch may run; past it the model process is killed and restarted, the request gets 504 and batches queued for the process run again (0 = no limit). Text generation on the OpenAI routes is stopped only after this long without a new token', default: () => 120_000, parse: duration }),
  define({ key: 'modelLoadTimeoutMs', env: 'MODA_MODEL_LOAD_TIMEOUT', description: 'Time a model process may take to load its model before it is killed', default: () => 300_000, parse: duration }),
  define({ key: 'modelCrashLimit', env: 'MODA_MODEL_CRASH_LIMIT', description: 'Times in a row a model may stop its process while loading (abort, fatal error, memory limit) before it is quarantined: not loaded again, deployments included, until redeployed or a new commit', default: () => 3, parse: integer }),
  define({ key: 'modelMaxLabels', env: 'MODA_MODEL_MAX_LABELS', description: 'Labels (classes, boxes, segments) one input gets back at most: the default top_k and the most a request may ask for', default: () => 1000, parse: positive(integer) }),
  define({ key: 'modelMaxClasses', env: 'MODA_MODEL_MAX_CLASSES', description: 'Classes a model may declare (config.json id2label, num_labels); a model declaring more fails to load with MODEL_FILE_TOO_LARGE', default: () => 250_000, parse: positive(integer) }),
  define({ key: 'modelMaxOutputBytes', env: 'MODA_MODEL_MAX_OUTPUT', description: 'JSON bytes one input\'s output (or one generation\'s text) may take, checked in the model process; more fails that request with MODEL_OUTPUT_TOO_LARGE', default: () => 16 * 1024 ** 2, parse: positive(bytes) }),
  define({ key: 'chatTemplateTimeoutMs', env: 'MODA_CHAT_TEMPLATE_TIMEOUT', description: 'Time one chat template rendering, or one prompt\'s tokenization, may take in the model process; longer fails that request only (422)', default: () => 3000, parse: positive(duration) }),
  define({ key: 'chatTemplateRangeItems', env: 'MODA_CHAT_TEMPLATE_RANGE_ITEMS', description: 'Items all range() calls of one chat template rendering may produce together; more fails that request with 422 CHAT_TEMPLATE_LIMIT', default: () => 100_000, parse: positive(integer) }),
  define({ key: 'externalProgramMemoryBytes', env: 'MODA_EXTERNAL_PROGRAM_MEMORY', description: 'Address space (RLIMIT_AS) of one run of an external engine program (tesseract, espeak-ng), whatever the model\'s configuration says', default: () => 2 * 1024 ** 3, parse: positive(bytes) }),
  define({ key: 'externalProgramTimeoutMs', env: 'MODA_EXTERNAL_PROGRAM_TIMEOUT', description: 'Wall-clock time, and CPU time (RLIMIT_CPU), of one run of an external engine program; a model\'s timeout_ms may only lower it', default: () => 120_000, parse: positive(duration) }),
  define({ key: 'externalProgramProcesses', env: 'MODA_EXTERNAL_PROGRAM_PROCESSES', description: 'External engine program processes one batch of a model runs at once; a model\'s max_processes may only lower it', default: () => 8, parse: positive(integer) }),
  define({ key: 'jobConcurrency', env: 'MODA_JOB_CONCURRENCY', description: 'Jobs (catalog import, pull, …) this server runs at once, each in a process of its own; more wait queued (0 = half the cores, at least 1)', default: () => 0, parse: integer }),
  define({ key: 'jobModules', env: 'MODA_JOB_MODULES', description: 'Comma-separated paths of modules whose exported `registerJobTypes(registry)` adds job types to the built-in ones', default: () => [], parse: (raw) => list(raw).map((path) => resolve(path)) }),
  define({ key: 'datasetQueryTimeoutMs', env: 'MODA_DATASET_QUERY_TIMEOUT', description: 'Longest one dataset viewer query (rows, search, filter, statistics, SQL) may run before it is interrupted with 504 DATASET_QUERY_TIMEOUT', default: () => 10_000, parse: duration }),
  define({ key: 'datasetSqlMaxRows', env: 'MODA_DATASET_SQL_MAX_ROWS', description: 'Most rows `POST /datasets-server/sql` returns; longer results are cut and say `partial: true`', default: () => 1000, parse: integer }),
  define({ key: 'datasetMemoryBytes', env: 'MODA_DATASET_MEMORY', description: "Memory DuckDB may use for one dataset preparation or query engine (its memory_limit); larger work spills to MODA_HOME's dataset cache", default: () => 512 * 1024 ** 2, parse: bytes }),
  define({ key: 'datasetThreads', env: 'MODA_DATASET_THREADS', description: 'Threads DuckDB uses per dataset preparation or query engine', default: () => 2, parse: integer }),
  define({ key: 'blobStore', env: 'MODA_BLOB_STORE', description: 'Where LFS objects are kept: empty = files under $MODA_HOME/blobs; `s3://bucket/prefix` = an S3-compatible object store (keys `prefix/lfs/ab/cd/<sha256>`; see Cluster mode)', default: () => null, parse: parseBlobStore }),
  define({ key: 's3Endpoint', env: 'MODA_S3_ENDPOINT', description: 'S3 API endpoint, e.g. http://minio:9000 (empty = AWS S3 of MODA_S3_REGION)', default: () => '', parse: url }),
  define({ key: 's3Region', env: 'MODA_S3_REGION', description: 'S3 region the requests are signed for', default: () => 'us-east-1', parse: text }),
  define({ key: 's3ForcePathStyle', env: 'MODA_S3_FORCE_PATH_STYLE', description: 'Path-style S3 URLs (endpoint/bucket/key), which MinIO, Ceph, Swift and most self-hosted stores need (`0` = virtual-host style, bucket.endpoint/key)', default: () => false, parse: flag }),
  define({ key: 's3PublicEndpoint', env: 'MODA_S3_PUBLIC_ENDPOINT', description: 'S3 endpoint as clients reach it, written into presigned download URLs (SigV4 signs the host, so it cannot be rewritten on the way; empty = MODA_S3_ENDPOINT)', default: () => '', parse: url }),
  define({ key: 's3AccessKeyId', env: 'AWS_ACCESS_KEY_ID', description: 'S3 access key (empty = the AWS SDK default chain: shared profile, web identity, instance role)', default: () => '', parse: text }),
  define({ key: 's3SecretAccessKey', env: 'AWS_SECRET_ACCESS_KEY', description: 'S3 secret key, with AWS_ACCESS_KEY_ID', default: () => '', parse: text }),
  define({ key: 'blobProxy', env: 'MODA_BLOB_PROXY', description: 'With an S3 blob store, stream downloads through the server (ranges included) instead of redirecting clients to presigned S3 URLs', default: () => false, parse: flag }),
  define({ key: 'llmParallel', env: 'MODA_LLM_PARALLEL', description: 'Sequences per loaded GGUF model: requests generating together in one context (continuous batching); each holds its KV cache in the model memory budget (0 = twice the cores, at most 8, fewer when the memory budget cannot hold them)', default: () => 0, parse: integer }),
  define({ key: 'llmContext', env: 'MODA_LLM_CONTEXT', description: 'Tokens of context (prompt + answer) per sequence of a GGUF model, at most what the model was trained for; a longer request gets 413 context_length_exceeded', default: () => 4096, parse: integer }),
  define({ key: 'llmQueue', env: 'MODA_LLM_QUEUE', description: 'Requests that may wait for a free sequence of a GGUF model; more get 429 with Retry-After', default: () => 32, parse: integer }),
  define({ key: 'gitRoot', env: 'MODA_GIT_ROOT', description: 'Folder of the bare git repositories; in a cluster a directory every replica shares (a ReadWriteMany volume); empty = $MODA_HOME/repos', default: () => '', parse: (raw) => resolve(raw) }),
  define({ key: 'redisUrl', env: 'MODA_REDIS_URL', description: 'Redis (`redis://[user:password@]host:port[/db]`) that replicas share: read caches are invalidated on every replica at once and rate-limit counters are shared; empty = in-process only', default: () => '', parse: redisUrl }),
  define({ key: 'migrateOnStart', env: 'MODA_MIGRATE_ON_START', description: '`moda serve` brings the database schema up to date itself (under an advisory lock on PostgreSQL); `0` = it waits until `moda migrate` has done it', default: () => true, parse: flag }),
  define({ key: 'shutdownDelayMs', env: 'MODA_SHUTDOWN_DELAY', description: 'After SIGTERM: how long /readyz answers 503 while requests are still served (answers carry `Connection: close`) before the listener closes, so load balancers stop sending first', default: () => 0, parse: duration }),
  define({ key: 'shutdownTimeoutMs', env: 'MODA_SHUTDOWN_TIMEOUT', description: 'After SIGTERM: longest wait for requests in flight (uploads, git transfers) to finish before the process exits anyway', default: () => 30_000, parse: duration }),
  define({ key: 'trustProxy', env: 'MODA_TRUST_PROXY', description: 'Comma-separated addresses or CIDR blocks of the load balancers in front (e.g. 10.0.0.0/8); requests from them have their client address (rate limits, audit log) and scheme taken from X-Forwarded-For and X-Forwarded-Proto; empty = headers ignored', default: () => [], parse: proxyAddresses }),
  define({ key: 'jobWorker', env: 'MODA_JOB_WORKER', description: 'With MODA_REDIS_URL: `moda serve` runs jobs as well as serving HTTP; `0` = it only enqueues, cancels and follows them, and `moda worker` processes (which need MODA_REDIS_URL and MODA_PUBLIC_URL) run them', default: () => true, parse: flag }),
  define({ key: 'clusterLeaseMs', env: 'MODA_CLUSTER_LEASE', description: 'Cluster mode: how long a replica or worker counts as alive after its last heartbeat in the database (it renews every third of this); the running jobs and scratch folders of one silent longer are taken over or removed. Keep it well above clock skew between hosts', default: () => 30_000, parse: duration }),
  define({ key: 'nodeName', env: 'MODA_NODE_NAME', description: 'This host\'s name in job runner ids and leases (`host:pid:…`); processes with the same name are taken to share one process table. Empty = the OS host name; set it where containers may share one (same `hostname:` in compose)', default: () => '', parse: text }),
  define({ key: 'scratchMaxAgeMs', env: 'MODA_SCRATCH_MAX_AGE', description: 'Cluster mode: a scratch or trash folder (repo creation, imports, deletions) or a temp blob whose owner cannot be told is removed once it is this old; one whose owner\'s lease expired is removed at once', default: () => 24 * 3_600_000, parse: duration }),
  define({ key: 'jobsMaxQueuedPerUser', env: 'MODA_JOBS_MAX_QUEUED_PER_USER', description: 'Jobs one user may have queued (not yet running) at once; another `POST /api/v1/jobs`, or a retry of a failed or cancelled job, gets 429 JOB_QUEUE_FULL with Retry-After. Site admins and jobs the server starts itself (catalog import, dataset preparation after a push) are not limited (0 = no limit)', default: () => 20, parse: integer }),
  define({ key: 'datasetsCacheMaxBytes', env: 'MODA_DATASETS_CACHE_MAX', description: "Bytes $MODA_HOME/datasets-cache may hold: past it the least recently used commits' preparations are removed (never one a query is reading) and prepared again on their next use (0 = no limit)", default: () => 10 * 1024 ** 3, parse: bytes }),
  define({ key: 'catalogDir', env: 'MODA_CATALOG_DIR', description: 'Folder of the starter catalog `moda serve` imports (one sub-folder per entry with its catalog.json); empty = the catalog/ shipped with Moda', default: () => '', parse: (raw) => resolve(raw) }),
  define({ key: 'tuneMaxClasses', env: 'MODA_TUNE_MAX_CLASSES', description: 'Most classes the label column of a `tune` job may hold; more fail with TUNE_TOO_MANY_CLASSES', default: () => 1000, parse: positive(integer) }),
  define({ key: 'tuneMaxRows', env: 'MODA_TUNE_MAX_ROWS', description: 'Most rows a `tune` job reads from its dataset (training and validation splits together); a larger split fails with TUNE_DATASET_TOO_LARGE', default: () => 1_000_000, parse: positive(integer) }),
  define({ key: 'evalConcurrency', env: 'MODA_EVAL_CONCURRENCY', description: 'Samples an `eval` job keeps in flight to the serving path at once (one request each, so the batcher groups them as it groups users\' requests); keep it under MODA_MAX_QUEUE', default: () => 32, parse: positive(integer) }),
  define({ key: 'starterEvals', env: 'MODA_STARTER_EVALS', description: 'After the starter catalog import on first start, evaluate each starter model on each starter benchmark that fits its task (as `eval` jobs); `0` = off', default: () => true, parse: flag }),
  define({ key: 'onnxSpinning', env: 'MODA_ONNX_SPINNING', description: "ONNX Runtime sessions in model processes keep their idle intra-op threads spinning between operators and runs (ONNX Runtime's own default; on a quiet 2-core machine 5.8 ms faster at 1 client and 4 % more throughput than sleeping threads); `0` = they sleep, leaving the cores to the server and the rest of a busy machine (a spinning thread whose partner lost its core burns its whole time slice)", default: () => true, parse: flag }),
  define({ key: 'jobCpuProfileDir', env: 'MODA_JOB_CPU_PROFILE_DIR', description: "Folder where each job process writes a V8 CPU profile (node --cpu-prof, `CPU.<date>.<pid>….cpuprofile`) when it ends, to see where a job's own CPU goes (open it in Chrome DevTools); empty = none", default: () => '', parse: (raw) => resolve(raw) }),
] as const;

/** Reads the configuration: explicit overrides win over the environment, which wins over defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config: Record<string, unknown> = {};
  for (const setting of settings) {
    const override = overrides[setting.key];
    const raw = env[setting.env];
    if (override !== undefined) config[setting.key] = override;
    else if (raw !== undefined && raw !== '') config[setting.key] = setting.parse(raw, setting.env);
    else config[setting.key] = setting.default(env);
  }
  return config as unknown as Config;
}
