// Base64 of bytes without depending on Node's Buffer, so the client also runs in browsers.

const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  const nodeBuffer = (globalThis as { Buffer?: { from(bytes: Uint8Array): { toString(encoding: 'base64'): string } } }).Buffer;
  if (nodeBuffer) return nodeBuffer.from(bytes).toString('base64');
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + CHUNK));
  }
  return btoa(binary);
}
