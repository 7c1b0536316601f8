// Signed, expiring LFS object URLs. @huggingface/hub PUTs uploads to the batch `href` without an
// Authorization header (it expects a presigned URL), so the href itself carries the permission.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface LfsGrant {
  operation: 'upload' | 'download';
  repoKey: string;
  oid: string;
  size: number;
}

export function signLfsGrant(secret: string, grant: LfsGrant, ttlSeconds: number): string {
  const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
  return `${expires}.${mac(secret, grant, expires)}`;
}

export function verifyLfsGrant(secret: string, grant: LfsGrant, signature: string | undefined): boolean {
  if (!signature) return false;
  const [expiresText, given] = signature.split('.');
  const expires = Number(expiresText);
  if (!given || !Number.isSafeInteger(expires) || expires < Date.now() / 1000) return false;
  const expected = Buffer.from(mac(secret, grant, expires));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function mac(secret: string, grant: LfsGrant, expires: number): string {
  return createHmac('sha256', secret).update(`${grant.operation}\n${grant.repoKey}\n${grant.oid}\n${grant.size}\n${expires}`).digest('base64url');
}
