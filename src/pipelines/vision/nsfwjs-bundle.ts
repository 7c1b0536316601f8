// Reads the model files nsfwjs ships on npm: a browserify bundle whose single module exports the
// model.json object (`model.min.js`) and one per weight shard exporting a base64 string. They are
// parsed as data — one JSON-like literal, a strict grammar, never evaluated — so a repo holding them
// is still data, not code. Anything outside the grammar is a MODEL_LOAD_FAILED.
import { readFile, stat } from 'node:fs/promises';
import { ModaError } from '../../errors/moda-error.js';
import { artifactsFrom, checkWeightsManifest, type TfjsArtifacts } from '../../runtime/engines/tfjs-engine.js';

const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
const MAX_DEPTH = 200;
/** `{1:[function(require,module,exports){module.exports=` — the only module of the bundle. */
const MODULE_START = /\{1:\[function\(([A-Za-z_$][\w$]*),([A-Za-z_$][\w$]*),([A-Za-z_$][\w$]*)\)\{\2\.exports=/;

function loadFailed(message: string): ModaError {
  return new ModaError('MODEL_LOAD_FAILED', message);
}

/** A recursive-descent reader for the literals a minifier writes: JSON plus bare keys, `.5`, `!0`/`!1`. */
class LiteralReader {
  private position: number;

  constructor(
    private readonly source: string,
    start: number,
    private readonly name: string,
  ) {
    this.position = start;
  }

  get offset(): number {
    return this.position;
  }

  private fail(what: string): never {
    throw loadFailed(`${this.name}: ${what} at offset ${this.position}`);
  }

  value(depth = 0): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const char = this.source[this.position];
    if (char === '{') return this.object(depth);
    if (char === '[') return this.array(depth);
    if (char === '"') return this.string();
    if (char === '!' && (this.source[this.position + 1] === '0' || this.source[this.position + 1] === '1')) {
      this.position += 2;
      return this.source[this.position - 1] === '0';
    }
    for (const [word, result] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.source.startsWith(word, this.position)) {
        this.position += word.length;
        return result;
      }
    }
    return this.number();
  }

  private object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.position++;
    if (this.source[this.position] === '}') {
      this.position++;
      return result;
    }
    for (;;) {
      const key = this.key();
      if (key === '__proto__') this.fail('"__proto__" is not allowed as a key');
      if (this.source[this.position] !== ':') this.fail('expected ":"');
      this.position++;
      result[key] = this.value(depth + 1);
      const next = this.source[this.position++];
      if (next === '}') return result;
      if (next !== ',') this.fail('expected "," or "}"');
    }
  }

  private key(): string {
    if (this.source[this.position] === '"') return this.string();
    const match = /[A-Za-z_$][\w$]*|\d+/y;
    match.lastIndex = this.position;
    const found = match.exec(this.source);
    if (!found) this.fail('expected a property name');
    this.position += found[0].length;
    return found[0];
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.position++;
    if (this.source[this.position] === ']') {
      this.position++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      const next = this.source[this.position++];
      if (next === ']') return result;
      if (next !== ',') this.fail('expected "," or "]"');
    }
  }

  private string(): string {
    // indexOf over the (multi-megabyte, escape-free) base64 shards is linear and fast.
    let end = this.position + 1;
    for (;;) {
      end = this.source.indexOf('"', end);
      if (end < 0) this.fail('unterminated string');
      let backslashes = 0;
      while (this.source[end - 1 - backslashes] === '\\') backslashes++;
      if (backslashes % 2 === 0) break;
      end++;
    }
    const literal = this.source.slice(this.position, end + 1);
    this.position = end + 1;
    try {
      return JSON.parse(literal) as string;
    } catch {
      return this.fail('unsupported string escape');
    }
  }

  private number(): number {
    const match = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.position;
    const found = match.exec(this.source);
    if (!found) this.fail('unexpected character');
    this.position += found[0].length;
    return Number(found[0]);
  }
}

/** The value a one-module browserify bundle exports. */
async function bundleExport(file: string, name: string): Promise<unknown> {
  const info = await stat(file);
  if (info.size > MAX_BUNDLE_BYTES) throw loadFailed(`${name} is ${info.size} bytes, more than the ${MAX_BUNDLE_BYTES} allowed`);
  const source = await readFile(file, 'utf8');
  const start = MODULE_START.exec(source);
  if (!start) throw loadFailed(`${name} is not an nsfwjs model bundle`);
  const reader = new LiteralReader(source, start.index + start[0].length, name);
  const value = reader.value();
  if (source[reader.offset] !== '}') throw loadFailed(`${name}: the exported literal is followed by more code`);
  return value;
}

/** Model artifacts from nsfwjs' `model.min.js` and its `group1-shard*.min.js` files, in shard order. */
export async function readNsfwjsBundle(topologyFile: string, shardFiles: readonly string[]): Promise<TfjsArtifacts> {
  const modelJson = await bundleExport(topologyFile, 'model bundle');
  if (typeof modelJson !== 'object' || modelJson === null || Array.isArray(modelJson)) throw loadFailed('the model bundle does not export a model.json object');
  const record = modelJson as Record<string, unknown>;
  const { specs, expectedBytes } = checkWeightsManifest(record.weightsManifest, 'model bundle');
  const shards: Buffer[] = [];
  for (const [index, file] of shardFiles.entries()) {
    const base64 = await bundleExport(file, `weight bundle ${index + 1}`);
    if (typeof base64 !== 'string') throw loadFailed(`weight bundle ${index + 1} does not export a base64 string`);
    shards.push(Buffer.from(base64, 'base64'));
  }
  const weights = Buffer.concat(shards);
  if (weights.length !== expectedBytes) throw loadFailed(`the weight bundles hold ${weights.length} bytes, the model needs ${expectedBytes}`);
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return artifactsFrom(record, specs, data);
}
