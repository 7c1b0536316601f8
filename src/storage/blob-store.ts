// The content-addressed blob store interface: every LFS object is kept once, named by its sha256.
// Local files (fs-blob-store.ts) by default, an S3-compatible object store (s3-blob-store.ts) in
// cluster mode; both honour the same contract, and every reader goes through it.
import type { Readable } from 'node:stream';

export interface BlobStat {
  oid: string;
  size: number;
}

export interface BlobStore {
  /** Size of a stored blob, or undefined when absent. */
  stat(oid: string): Promise<BlobStat | undefined>;
  /** Streams a stored blob, optionally a byte range [start, end] inclusive. */
  read(oid: string, range?: { start: number; end: number }): Promise<Readable>;
  /**
   * Stores a stream, hashing while it arrives. The blob becomes visible only once its sha256 and
   * size equal `expected`; otherwise nothing is kept and LFS_OBJECT_MISMATCH is thrown.
   */
  write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: BlobStat, signal?: AbortSignal): Promise<BlobStat>;
  /** A local file path for the blob, for engines that need one (fs stores only). */
  localPath?(oid: string): string;
  /**
   * A URL that clients may GET the blob from without credentials (a presigned S3 URL), valid for
   * `DOWNLOAD_URL_TTL_SECONDS`; stores without one (fs) leave it out and their blobs are streamed.
   */
  downloadUrl?(oid: string, options?: { fileName?: string; contentType?: string }): Promise<string>;
  /**
   * Presigned multipart upload (S3 stores): the client PUTs each part straight to the store at
   * `urls[i]` (part i + 1, `partBytes` each, the last one shorter), then asks for completion.
   */
  startPartsUpload?(expected: BlobStat, ttlSeconds: number): Promise<PartsUpload>;
  /**
   * Completes a presigned multipart upload into its staging key (one per upload: clients uploading
   * one object at once never share it), hashes what the store holds there, and only when its sha256
   * and size match copies it under its final key; otherwise nothing is kept and LFS_OBJECT_MISMATCH
   * is thrown. The staging object and parts never outlive the call. `uploadId` is PartsUpload's.
   */
  completePartsUpload?(expected: BlobStat, uploadId: string, parts: CompletedUploadPart[]): Promise<BlobStat>;
  /** Drops the parts of an upload that will not be completed (the object arrived through another upload). */
  abortPartsUpload?(expected: BlobStat, uploadId: string): Promise<void>;
  /** Removes leftovers of interrupted writes. */
  cleanup(): Promise<void>;
}

export interface PartsUpload {
  uploadId: string;
  partBytes: number;
  urls: string[];
}

export interface CompletedUploadPart {
  partNumber: number;
  etag: string;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Largest object offered a presigned multipart upload: S3's CopyObject limit (the copy into place). */
export const MAX_PARTS_UPLOAD_BYTES = 5 * 1024 ** 3;

/** How long a blob store's presigned download URLs stay valid (the LFS batch API's `expires_in`). */
export const DOWNLOAD_URL_TTL_SECONDS = 3600;
