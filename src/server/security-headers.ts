// Headers every answer carries so that a browser never sniffs an API or file answer into HTML, never
// frames a page of Moda (the token page could be clickjacked), and runs no script but the UI's own.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** For everything that is not a page of the UI: nothing loads, nothing runs, nothing frames it. */
const LOCKED_DOWN = "default-src 'none'; frame-ancestors 'none'; sandbox";

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The Content-Security-Policy of the UI's index.html: its own scripts and styles, plus the hashes
 * of the inline ones it holds (the early-fetch script), so no `'unsafe-inline'` is needed.
 */
export function webUiContentSecurityPolicy(html: string): string {
  const scripts = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((match) => sha256(match[1] ?? ''));
  const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((match) => sha256(match[1] ?? ''));
  const styleAttributes = [...html.matchAll(/\sstyle="([^"]*)"/gi)].map((match) => sha256(match[1] ?? ''));
  return [
    "default-src 'self'",
    `script-src 'self' ${scripts.join(' ')}`.trim(),
    // Style attributes in the page's own markup (the loading note) by hash; cards lose theirs in the
    // sanitizer (web/src/repo/render-card.ts).
    `style-src 'self' ${[...styles, ...(styleAttributes.length > 0 ? ["'unsafe-hashes'", ...styleAttributes] : [])].join(' ')}`.trim(),
    // Cards show images from anywhere, as on the Hugging Face Hub; the try-it page plays blobs.
    'img-src * data: blob:',
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** onSend hook: nosniff and no framing everywhere; a locked-down CSP where the route set none. */
export async function addSecurityHeaders(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  // Scripts and styles of the UI are subresources; a CSP on them does nothing but confuse workers.
  if (reply.getHeader('content-security-policy') === undefined && !request.url.startsWith('/assets/')) reply.header('content-security-policy', LOCKED_DOWN);
}
