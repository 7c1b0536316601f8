// curl as the one bulk-transfer client for every side of a comparison: it is a separate, efficient C
// process, so neither Moda nor the baseline is measured through a Node client sharing their costs.
import { runCommand } from './child-process.js';

export interface Transfer {
  status: number;
  bytes: number;
  /** curl's own average rate over the transfer, bytes per second. */
  bytesPerSecond: number;
  /** From process spawn to exit, as seen by the runner. */
  wallMs: number;
}

function parse(stdout: string, wallMs: number, what: string): Transfer {
  const [status = '', bytes = '', speed = ''] = stdout.trim().split(' ');
  const transfer = { status: Number(status), bytes: Number(bytes), bytesPerSecond: Number(speed), wallMs };
  if (!Number.isFinite(transfer.status) || !Number.isFinite(transfer.bytesPerSecond)) throw new Error(`${what}: unexpected curl output "${stdout}"`);
  return transfer;
}

/** GETs a URL and throws the bytes away; `followRedirects` makes curl follow a 302 (-L), timed as one transfer. */
export async function curlDownload(url: string, timeoutMs: number, options: { followRedirects?: boolean } = {}): Promise<Transfer> {
  const result = await runCommand('curl', ['-s', ...(options.followRedirects ? ['-L'] : []), '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{speed_download}', url], { timeoutMs });
  if (result.code !== 0) throw new Error(`curl GET ${url} failed (${result.code}): ${result.stderr}`);
  const transfer = parse(result.stdout, result.wallMs, `GET ${url}`);
  if (transfer.status !== 200) throw new Error(`GET ${url} answered ${transfer.status}`);
  return transfer;
}

/** PUTs a file streamed from disk. `Expect:` is emptied so curl does not wait for 100-continue. */
export async function curlUpload(url: string, file: string, timeoutMs: number): Promise<Transfer> {
  const result = await runCommand(
    'curl',
    ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_upload} %{speed_upload}', '-H', 'Expect:', '-H', 'content-type: application/octet-stream', '-T', file, url],
    { timeoutMs },
  );
  if (result.code !== 0) throw new Error(`curl PUT failed (${result.code}): ${result.stderr}`);
  const transfer = parse(result.stdout, result.wallMs, 'PUT');
  if (transfer.status !== 200) throw new Error(`PUT answered ${transfer.status}`);
  return transfer;
}
