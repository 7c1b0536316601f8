// Parses the header block a CGI program (here `git http-backend`) writes before its body
// (RFC 3875 §6): `Status: 404 Not Found` becomes the HTTP status, the other lines are headers.

export interface CgiHead {
  status: number;
  headers: Record<string, string>;
  /** Bytes of the body that arrived in the same chunks as the headers. */
  rest: Buffer;
}

/** CGI response headers are a few lines; anything longer means the program is misbehaving. */
export const MAX_CGI_HEAD_BYTES = 64 * 1024;

// Hop-by-hop headers are the server's business, never the CGI program's.
const DROPPED = new Set(['status', 'connection', 'transfer-encoding', 'keep-alive']);

/** Returns undefined while the blank line ending the headers has not arrived yet. */
export function parseCgiHead(buffer: Buffer): CgiHead | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  let end: number;
  let separator: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) [end, separator] = [crlf, 4];
  else if (lf >= 0) [end, separator] = [lf, 2];
  else return undefined;

  const headers: Record<string, string> = {};
  let status: number | undefined;
  for (const line of buffer.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') {
      const code = Number(/^\d{3}/.exec(value)?.[0]);
      if (code >= 100 && code <= 599) status = code;
    } else if (!DROPPED.has(name)) {
      headers[name] = value;
    }
  }
  return { status: status ?? (headers.location ? 302 : 200), headers, rest: buffer.subarray(end + separator) };
}
