// Builds the Hugging Face NDJSON commit body the tests send (header line + inline base64 files).

export interface NdjsonFile {
  path: string;
  content: Uint8Array;
}

export function ndjsonCommit(summary: string, files: NdjsonFile[], parentCommit?: string): string {
  const header = { key: 'header', value: { summary, ...(parentCommit !== undefined && { parentCommit }) } };
  const lines = [JSON.stringify(header)];
  for (const file of files) {
    lines.push(JSON.stringify({ key: 'file', value: { path: file.path, content: Buffer.from(file.content).toString('base64'), encoding: 'base64' } }));
  }
  return `${lines.join('\n')}\n`;
}

export const NDJSON_HEADERS = { 'content-type': 'application/x-ndjson' } as const;
