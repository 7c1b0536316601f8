// Reads the metadata of a GGUF file (v2/v3) without loading it, with bounds on every count and
// length: a GGUF is untrusted data, and llama.cpp aborts its whole process on some malformed files
// (no `feed_forward_length`: a GGML_ASSERT, exit 134), so the server checks what it can first.
// Arrays are skipped over (only their length is kept): token tables are large and not needed here.
import { open, type FileHandle } from 'node:fs/promises';
import { ModaError } from '../../errors/moda-error.js';

export type GgufScalar = number | bigint | boolean | string;
export interface GgufArrayInfo {
  array: true;
  length: number;
  /** Element type code (8 = string). */
  elementType: number;
}
export type GgufMetadataValue = GgufScalar | GgufArrayInfo;

export interface GgufMetadata {
  version: number;
  tensorCount: number;
  values: Map<string, GgufMetadataValue>;
}

const MAX_KEYS = 100_000;
const MAX_STRING_BYTES = 16 * 1024 * 1024;
const MAX_ARRAY_LENGTH = 50_000_000;
/** Metadata past this many bytes is refused: real models' headers are a few MB (the token tables). */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const SCALAR_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function invalid(file: string, why: string): ModaError {
  return new ModaError('MODEL_FILE_INVALID', `${file} is not a valid GGUF file: ${why}`);
}

/** Sequential reads over a file handle, buffered a megabyte at a time. */
class Reader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;
  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly name: string,
  ) {}

  private async ensure(bytes: number): Promise<void> {
    if (this.position + bytes > this.size) throw invalid(this.name, 'it ends in the middle of its metadata');
    if (this.position + bytes > MAX_HEADER_BYTES) throw invalid(this.name, `its metadata is larger than ${MAX_HEADER_BYTES} bytes`);
    const end = this.bufferStart + this.buffer.length;
    if (this.position >= this.bufferStart && this.position + bytes <= end) return;
    const length = Math.min(Math.max(bytes, CHUNK_BYTES), this.size - this.position);
    const chunk = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(chunk, 0, length, this.position);
    if (bytesRead < bytes) throw invalid(this.name, 'it ends in the middle of its metadata');
    this.buffer = chunk.subarray(0, bytesRead);
    this.bufferStart = this.position;
  }

  async take(bytes: number): Promise<Buffer> {
    await this.ensure(bytes);
    const at = this.position - this.bufferStart;
    this.position += bytes;
    return this.buffer.subarray(at, at + bytes);
  }

  skip(bytes: number): void {
    this.position += bytes;
    if (this.position > this.size) throw invalid(this.name, 'it ends in the middle of its metadata');
  }

  async u32(): Promise<number> {
    return (await this.take(4)).readUInt32LE(0);
  }

  async u64(): Promise<number> {
    const value = (await this.take(8)).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(this.name, `a count or length of ${value} is out of range`);
    return Number(value);
  }

  async string(): Promise<string> {
    const length = await this.u64();
    if (length > MAX_STRING_BYTES) throw invalid(this.name, `a string of ${length} bytes is longer than ${MAX_STRING_BYTES}`);
    return (await this.take(length)).toString('utf8');
  }

  async skipString(): Promise<void> {
    const length = await this.u64();
    if (length > MAX_STRING_BYTES) throw invalid(this.name, `a string of ${length} bytes is longer than ${MAX_STRING_BYTES}`);
    this.skip(length);
  }
}

async function readScalar(reader: Reader, type: number, name: string): Promise<GgufScalar> {
  const bytes = SCALAR_BYTES[type];
  if (type === 8) return reader.string();
  if (bytes === undefined) throw invalid(name, `unknown value type ${type}`);
  const buffer = await reader.take(bytes);
  switch (type) {
    case 0:
      return buffer.readUInt8(0);
    case 1:
      return buffer.readInt8(0);
    case 2:
      return buffer.readUInt16LE(0);
    case 3:
      return buffer.readInt16LE(0);
    case 4:
      return buffer.readUInt32LE(0);
    case 5:
      return buffer.readInt32LE(0);
    case 6:
      return buffer.readFloatLE(0);
    case 7:
      return buffer.readUInt8(0) !== 0;
    case 10:
      return buffer.readBigUInt64LE(0);
    case 11:
      return buffer.readBigInt64LE(0);
    default:
      return buffer.readDoubleLE(0);
  }
}

/** The metadata of the GGUF file at `path`; MODEL_FILE_INVALID when it is not one. `name` is how errors name the file. */
export async function readGgufMetadata(path: string, name = path): Promise<GgufMetadata> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const reader = new Reader(handle, size, name);
    if (size < 24 || (await reader.take(4)).toString('latin1') !== 'GGUF') throw invalid(name, 'it does not start with GGUF');
    const version = await reader.u32();
    if (version !== 2 && version !== 3) throw invalid(name, `version ${version} is not 2 or 3`);
    const tensorCount = await reader.u64();
    const keyCount = await reader.u64();
    if (keyCount > MAX_KEYS) throw invalid(name, `${keyCount} metadata keys is more than ${MAX_KEYS}`);
    const values = new Map<string, GgufMetadataValue>();
    for (let index = 0; index < keyCount; index++) {
      const key = await reader.string();
      const type = await reader.u32();
      if (type !== 9) {
        values.set(key, await readScalar(reader, type, name));
        continue;
      }
      const elementType = await reader.u32();
      const length = await reader.u64();
      if (length > MAX_ARRAY_LENGTH) throw invalid(name, `${key} holds ${length} elements, more than ${MAX_ARRAY_LENGTH}`);
      if (elementType === 8) for (let item = 0; item < length; item++) await reader.skipString();
      else {
        const bytes = SCALAR_BYTES[elementType];
        if (bytes === undefined) throw invalid(name, `${key} holds elements of unknown type ${elementType}`);
        reader.skip(bytes * length);
      }
      values.set(key, { array: true, length, elementType });
    }
    return { version, tensorCount, values };
  } finally {
    await handle.close();
  }
}
