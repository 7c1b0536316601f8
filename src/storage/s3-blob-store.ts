// Blob store on an S3-compatible object store (AWS S3, MinIO, Ceph, Swift's s3api…), keyed
// `prefix/lfs/ab/cd/<sha256>`. Uploads stream through this process and are hashed here: the store's
// own checksums are never trusted (Swift accepted a wrong signed x-amz-checksum-sha256, see
// /work/shared/reference/cluster.md). An object reaches its final key only after its sha256 and size
// matched: a small one is PUT once hashed, a large one is a multipart upload that is completed only
// then and aborted (parts and all) on any mismatch, error or client that goes away.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ModaError } from '../errors/moda-error.js';
import { DOWNLOAD_URL_TTL_SECONDS, MAX_PARTS_UPLOAD_BYTES, SHA256_HEX, type BlobStat, type BlobStore, type CompletedUploadPart, type PartsUpload } from './blob-store.js';
import { isStoreNotFound, storeError } from './s3-store-error.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Key prefix without slashes at either end; empty = the bucket's root. */
  prefix: string;
  /** Empty = AWS S3 of the region. */
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
  /** Host written into presigned URLs; empty = endpoint. */
  publicEndpoint: string;
  /** Both empty = the AWS SDK's default credential chain. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Part size of multipart uploads; smaller objects are one PUT. At least 5 MiB (S3's minimum part). */
  partBytes?: number;
  /** cleanup() aborts multipart uploads started longer ago than this (default a day). */
  staleUploadMs?: number;
}

const MIB = 1024 * 1024;
const DEFAULT_PART_BYTES = 8 * MIB;
/** S3 allows 10,000 parts; a larger object gets larger parts. */
const MAX_PARTS = 10_000;
/** Parts sent at once per upload: enough to keep a link busy, 4 × part size of memory at most. */
const PARTS_IN_FLIGHT = 4;
/** Multipart uploads older than this are leftovers of a crashed process (a live one finishes first). */
const DEFAULT_STALE_UPLOAD_MS = 24 * 3600 * 1000;

function client(options: S3BlobStoreOptions, endpoint: string): S3Client {
  return new S3Client({
    ...(endpoint && { endpoint }),
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.accessKeyId && { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }),
    maxAttempts: 3,
    // Checksums are computed here; the SDK's default CRC32 headers and aws-chunked bodies are not
    // understood by every S3-compatible store.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
}

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly publicClient: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partBytes: number;
  private readonly staleUploadMs: number;

  constructor(options: S3BlobStoreOptions) {
    if (Boolean(options.accessKeyId) !== Boolean(options.secretAccessKey)) {
      throw new ModaError('CONFIG_INVALID', 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
    }
    this.client = client(options, options.endpoint);
    this.publicClient = options.publicEndpoint && options.publicEndpoint !== options.endpoint ? client(options, options.publicEndpoint) : this.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix}/` : '';
    this.partBytes = Math.max(options.partBytes ?? DEFAULT_PART_BYTES, 5 * MIB);
    this.staleUploadMs = options.staleUploadMs ?? DEFAULT_STALE_UPLOAD_MS;
  }

  /** The object key of a blob: `prefix/lfs/ab/cd/<oid>`. */
  key(oid: string): string {
    if (!SHA256_HEX.test(oid)) throw new ModaError('BAD_REQUEST', `invalid sha256 oid "${oid}"`);
    return `${this.prefix}lfs/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
  }

  async stat(oid: string): Promise<BlobStat | undefined> {
    const key = this.key(oid);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { oid, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isStoreNotFound(error)) return undefined;
      throw storeError(error, `HEAD ${key}`);
    }
  }

  async read(oid: string, range?: { start: number; end: number }): Promise<Readable> {
    const key = this.key(oid);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range && { Range: `bytes=${range.start}-${range.end}` }) }));
      if (!(object.Body instanceof Readable)) throw new ModaError('BLOB_STORE_REFUSED', `object store: GET ${key} returned no body`);
      return object.Body;
    } catch (error) {
      if (isStoreNotFound(error)) throw new ModaError('LFS_OBJECT_MISSING', `blob ${oid} is not in the store`);
      throw storeError(error, `GET ${key}`);
    }
  }

  async downloadUrl(oid: string, options: { fileName?: string; contentType?: string } = {}): Promise<string> {
    const disposition = options.fileName
      ? `attachment; filename*=UTF-8''${encodeURIComponent(options.fileName)}; filename="${options.fileName.replace(/[^\x20-\x7e]|"/g, '_')}"`
      : undefined;
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.key(oid),
      ...(disposition && { ResponseContentDisposition: disposition }),
      ...(options.contentType && { ResponseContentType: options.contentType }),
    });
    // Signing is local: no request reaches the store here.
    return getSignedUrl(this.publicClient, command, { expiresIn: DOWNLOAD_URL_TTL_SECONDS });
  }

  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: BlobStat, signal?: AbortSignal): Promise<BlobStat> {
    const key = this.key(expected.oid);
    // 9,999 parts leave room for the remainder of a size that is not a multiple of the part size.
    const partBytes = Math.max(this.partBytes, Math.ceil(expected.size / (MAX_PARTS - 1) / MIB) * MIB);
    const hash = createHash('sha256');
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let upload: MultipartUpload | undefined;
    try {
      for await (const chunk of source) {
        signal?.throwIfAborted();
        size += chunk.byteLength;
        if (size > expected.size) throw new ModaError('LFS_OBJECT_MISMATCH', `upload is larger than the declared size ${expected.size}`);
        hash.update(chunk);
        // Copied: a source may reuse its buffer for the next chunk.
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.byteLength;
        while (pendingBytes >= partBytes) {
          upload ??= await MultipartUpload.start(this.client, this.bucket, key);
          const joined = Buffer.concat(pending, pendingBytes);
          const rest = joined.subarray(partBytes);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
          await upload.add(joined.subarray(0, partBytes));
        }
      }
      signal?.throwIfAborted();
      const oid = hash.digest('hex');
      if (oid !== expected.oid || size !== expected.size) {
        throw new ModaError('LFS_OBJECT_MISMATCH', `upload has sha256 ${oid} and ${size} bytes, expected ${expected.oid} and ${expected.size} bytes`);
      }
      const rest = Buffer.concat(pending, pendingBytes);
      if (upload) {
        if (rest.length > 0) await upload.add(rest);
        await upload.complete();
        upload = undefined;
      } else {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: rest, ContentLength: rest.length, ContentType: 'application/octet-stream' }), { abortSignal: signal });
      }
      await this.checkStored(key, expected);
      return { oid, size };
    } catch (error) {
      await upload?.abort();
      if (signal?.aborted && !(error instanceof ModaError)) throw new ModaError('LFS_OBJECT_MISMATCH', `upload of ${expected.oid} ended before its ${expected.size} bytes arrived`, { cause: error });
      throw storeError(error, `upload of ${key}`);
    }
  }

  /**
   * Where one client's presigned multipart upload lands before its hash is checked (under `lfs/`, so
   * cleanup() sees it). Each upload has its own key: two clients uploading one object at once must
   * not complete into, hash or delete each other's staging object.
   */
  private stagingKey(oid: string, nonce: string | undefined): string {
    if (!SHA256_HEX.test(oid)) throw new ModaError('BAD_REQUEST', `invalid sha256 oid "${oid}"`);
    // No nonce: an upload begun by a release before per-upload keys, completed after an upgrade.
    return nonce === undefined ? `${this.prefix}lfs/staging/${oid}` : `${this.prefix}lfs/staging/${oid}/${nonce}`;
  }

  private partBytesFor(size: number): number {
    // 9,999 parts leave room for the remainder of a size that is not a multiple of the part size.
    return Math.max(this.partBytes, Math.ceil(size / (MAX_PARTS - 1) / MIB) * MIB);
  }

  async startPartsUpload(expected: BlobStat, ttlSeconds: number): Promise<PartsUpload> {
    if (expected.size > MAX_PARTS_UPLOAD_BYTES) throw new ModaError('LFS_OBJECT_TOO_LARGE', `presigned multipart uploads are offered up to ${MAX_PARTS_UPLOAD_BYTES} bytes`);
    const nonce = randomBytes(16).toString('hex');
    const key = this.stagingKey(expected.oid, nonce);
    const partBytes = this.partBytesFor(expected.size);
    try {
      const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: 'application/octet-stream' }));
      const uploadId = created.UploadId;
      if (!uploadId) throw new ModaError('BLOB_STORE_REFUSED', `object store: no upload id for ${key}`);
      const count = Math.max(1, Math.ceil(expected.size / partBytes));
      // Signing is local: no request reaches the store here.
      const urls = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          getSignedUrl(this.publicClient, new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: index + 1 }), { expiresIn: ttlSeconds }),
        ),
      );
      return { uploadId: `${nonce}.${uploadId}`, partBytes, urls };
    } catch (error) {
      throw storeError(error, `multipart upload of ${key}`);
    }
  }

  async completePartsUpload(expected: BlobStat, partsUploadId: string, parts: CompletedUploadPart[]): Promise<BlobStat> {
    const { nonce, uploadId } = parseUploadId(partsUploadId);
    const staging = this.stagingKey(expected.oid, nonce);
    const key = this.key(expected.oid);
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    try {
      try {
        await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: staging, UploadId: uploadId, MultipartUpload: { Parts: ordered.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) } }));
      } catch (error) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: staging, UploadId: uploadId })).catch(() => undefined);
        // An id without a nonce that the store does not know was never handed out (an old-format id
        // the store knows is an upload begun before an upgrade).
        if (nonce === undefined && isStoreNotFound(error)) throw new ModaError('BAD_REQUEST', 'upload must be the id the batch answer gave');
        if (isStoreNotFound(error) || (error as { name?: string }).name === 'InvalidPart' || (error as { name?: string }).name === 'EntityTooSmall' || (error as { name?: string }).name === 'InvalidPartOrder') {
          throw new ModaError('LFS_OBJECT_MISMATCH', `the parts of upload ${uploadId} do not make up ${expected.oid}: ${(error as Error).message}`, { cause: error });
        }
        throw error;
      }
      // The store's checksums are not trusted: the bytes it holds are hashed here, then copied into place.
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: staging }));
      if (!(object.Body instanceof Readable)) throw new ModaError('BLOB_STORE_REFUSED', `object store: GET ${staging} returned no body`);
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of object.Body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        hash.update(chunk);
      }
      const oid = hash.digest('hex');
      if (oid !== expected.oid || size !== expected.size) {
        throw new ModaError('LFS_OBJECT_MISMATCH', `upload has sha256 ${oid} and ${size} bytes, expected ${expected.oid} and ${expected.size} bytes`);
      }
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: key, CopySource: `${this.bucket}/${staging.split('/').map(encodeURIComponent).join('/')}`, ContentType: 'application/octet-stream' }));
      await this.checkStored(key, expected);
      return { oid, size };
    } catch (error) {
      throw storeError(error, `completing the upload of ${key}`);
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: staging })).catch(() => undefined);
    }
  }

  async abortPartsUpload(expected: BlobStat, partsUploadId: string): Promise<void> {
    const { nonce, uploadId } = parseUploadId(partsUploadId);
    const staging = this.stagingKey(expected.oid, nonce);
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: staging, UploadId: uploadId }));
    } catch (error) {
      // Already completed or aborted (a client that retried its completion): nothing is left of it.
      if (isStoreNotFound(error)) return;
      throw storeError(error, `aborting the upload of ${staging}`);
    }
  }

  /** The stored object must have the size that was hashed; a store that lost bytes loses the object too. */
  private async checkStored(key: string, expected: BlobStat): Promise<void> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    if (head.ContentLength === expected.size) return;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
    throw new ModaError('BLOB_STORE_REFUSED', `object store kept ${head.ContentLength} bytes of ${key}, ${expected.size} were sent`);
  }

  /**
   * Aborts multipart uploads under this store's prefix that a crashed process left over a day ago
   * (other replicas may be uploading right now). Best effort: a store that is down is cleaned next time.
   */
  async cleanup(): Promise<void> {
    const cutoff = Date.now() - this.staleUploadMs;
    try {
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: `${this.prefix}lfs/`, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const stale of page.Uploads ?? []) {
          if (!stale.Key || !stale.UploadId || (stale.Initiated && stale.Initiated.getTime() > cutoff)) continue;
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: stale.Key, UploadId: stale.UploadId }));
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch {
      // Cleanup never stops a start; the next start tries again.
    }
  }
}

/**
 * The id a presigned multipart upload is known by outside this store: `<nonce>.<store's upload id>`,
 * the nonce naming the upload's own staging key (the store's id is only known once the key is chosen).
 * An id without a nonce is the store's own, handed out by a release that staged every upload of an
 * object under one key: uploads in flight across an upgrade still complete there.
 */
function parseUploadId(id: string): { nonce: string | undefined; uploadId: string } {
  const match = /^([0-9a-f]{32})\.(.+)$/.exec(id);
  if (match) return { nonce: match[1]!, uploadId: match[2]! };
  if (!/^[\w.~+/=-]{1,1024}$/.test(id)) throw new ModaError('BAD_REQUEST', 'upload must be the id the batch answer gave');
  return { nonce: undefined, uploadId: id };
}

/** One multipart upload: parts go out a few at a time while the next ones are read and hashed. */
class MultipartUpload {
  private readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly cancel = new AbortController();
  private failure: unknown;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly uploadId: string,
  ) {}

  static async start(client: S3Client, bucket: string, key: string): Promise<MultipartUpload> {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/octet-stream' }));
    if (!created.UploadId) throw new ModaError('BLOB_STORE_REFUSED', `object store: no upload id for ${key}`);
    return new MultipartUpload(client, bucket, key, created.UploadId);
  }

  /** Sends the next part; waits while PARTS_IN_FLIGHT are on their way (back-pressure on the source). */
  async add(body: Buffer): Promise<void> {
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const partNumber = this.parts.length + 1;
    const part: CompletedPart = { PartNumber: partNumber };
    this.parts.push(part);
    const sending = this.client
      .send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }), { abortSignal: this.cancel.signal })
      .then((answer) => {
        part.ETag = answer.ETag;
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
  }

  /** Stops the parts on their way, then drops every stored part. Never throws: cleanup() is the fallback. */
  async abort(): Promise<void> {
    this.cancel.abort();
    await Promise.all(this.inFlight);
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
  }
}
