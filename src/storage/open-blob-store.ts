// Picks the blob store the configuration names: files under $MODA_HOME/blobs by default, an
// S3-compatible object store when MODA_BLOB_STORE=s3://bucket/prefix. The S3 store (and the AWS SDK
// under it) is imported only then: every server start, job process and CLI command opens a store,
// and loading the SDK cost each of them about 0.3 s of CPU they did not need on local files.
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';

export async function openBlobStore(config: Config): Promise<BlobStore> {
  // Temp files of live uploads are touched well within MODA_SCRATCH_MAX_AGE, so no sweep takes them.
  if (!config.blobStore) return new FsBlobStore(join(config.home, 'blobs'), { directIo: config.blobDirectIo, touchEveryMs: Math.min(10_000, Math.max(100, config.scratchMaxAgeMs / 4)) });
  const { S3BlobStore } = await import('./s3-blob-store.js');
  return new S3BlobStore({
    bucket: config.blobStore.bucket,
    prefix: config.blobStore.prefix,
    endpoint: config.s3Endpoint,
    region: config.s3Region,
    forcePathStyle: config.s3ForcePathStyle,
    publicEndpoint: config.s3PublicEndpoint,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
  });
}
