// Sends a byte range of a local file as a reply body. Two 1 MiB buffers are reused in turn: one is
// filled from disk while the other is on its way to the socket, and a buffer is refilled only once
// the socket has taken it. Piping a read stream allocates a fresh buffer per chunk, and the page
// faults of 1 GiB of new memory held downloads to 0.55× nginx's sendfile (bench/RESULTS.md §1).
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { ModaError } from '../errors/moda-error.js';
import type { HubContext } from '../hub/context.js';
import type { RepoFile } from '../hub/list-files.js';
import { openFileContent, openLocalBlob, type ByteRange, type FileRegion } from '../hub/open-file-content.js';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Sends a repo file, whole or a range: LFS objects from local disk as file regions, or as a redirect
 * to the store's presigned URL (S3 without MODA_BLOB_PROXY), others as streams.
 */
export async function sendRepoFile(reply: FastifyReply, hub: HubContext, gitDir: string, file: RepoFile, range: ByteRange | undefined): Promise<FastifyReply> {
  if (file.lfs && hub.blobs.downloadUrl && !hub.config.blobProxy) {
    const contentType = reply.getHeader('content-type');
    return redirectToBlob(reply, hub, file.lfs.oid, { fileName: file.path.slice(file.path.lastIndexOf('/') + 1), contentType: typeof contentType === 'string' ? contentType : undefined });
  }
  const region = file.lfs ? await openLocalBlob(hub, file.lfs.oid, file.size, range) : undefined;
  if (!region) return reply.send(await openFileContent(hub, gitDir, file, range));
  await sendFileRegion(reply, region);
  return reply;
}

/**
 * Answers 302 to the blob's presigned URL; the client repeats its Range header there. The object is
 * looked up first, so a missing blob or a store that is down is our clear error, not the store's.
 */
export async function redirectToBlob(reply: FastifyReply, hub: HubContext, oid: string, options: { fileName?: string; contentType?: string }): Promise<FastifyReply> {
  const stored = await hub.blobs.stat(oid);
  if (!stored) throw new ModaError('LFS_OBJECT_MISSING', `blob ${oid} is not in the store`);
  const url = await hub.blobs.downloadUrl?.(oid, options);
  if (!url) throw new ModaError('BLOB_STORE_REFUSED', 'this blob store has no download URLs');
  // The length and range headers describe the content, which this answer does not carry.
  reply.removeHeader('content-length');
  reply.removeHeader('content-range');
  return reply.code(302).header('location', url).send();
}

/**
 * Takes over the reply: writes the status and headers set so far, then the region, then ends the
 * response. The handle is closed when done. A read error or a client that goes away destroys the
 * connection (the headers promised a length that can no longer be met); neither is thrown.
 */
export async function sendFileRegion(reply: FastifyReply, region: FileRegion): Promise<void> {
  reply.hijack();
  const response = reply.raw;
  try {
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) response.setHeader(name, value);
    }
    response.writeHead(reply.statusCode);
    await writeRegion(response, region);
    response.end();
  } catch (error) {
    if (!response.destroyed) {
      reply.log.warn({ err: error }, 'file download failed mid-way');
      response.destroy();
    }
  } finally {
    await region.handle.close().catch(() => undefined);
  }
}

async function writeRegion(response: ServerResponse, { handle, start, end }: FileRegion): Promise<void> {
  // A destroyed response never calls back pending writes, so every wait also ends on 'close'.
  let onClose = () => undefined as void;
  const closed = new Promise<never>((_resolve, reject) => {
    onClose = () => reject(new Error('client closed the connection'));
  });
  closed.catch(() => undefined);
  response.once('close', onClose);
  try {
    const buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)];
    const written: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    let position = start;
    for (let slot = 0; position <= end; slot ^= 1) {
      await Promise.race([written[slot], closed]);
      const buffer = buffers[slot] as Buffer;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, end + 1 - position), position);
      if (bytesRead === 0) throw new Error(`file ended at byte ${position}, before ${end + 1}`);
      position += bytesRead;
      const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      written[slot] = new Promise((resolve, reject) => {
        response.write(chunk, (error) => (error ? reject(error) : resolve()));
      });
      written[slot]?.catch(() => undefined);
    }
    await Promise.race([Promise.all(written), closed]);
  } finally {
    response.off('close', onClose);
  }
}
