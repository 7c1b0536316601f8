// Parses the NDJSON commit body of the Hugging Face API (`header`, `file`, `lfsFile`, `deletedFile`,
// `deletedFolder` lines) into hub commit operations, rejecting anything malformed with its line number.
import { ModaError } from '../../errors/moda-error.js';
import type { CommitOperation } from '../../hub/write-commit.js';
import { SHA256_HEX } from '../../storage/blob-store.js';

export interface ParsedCommit {
  summary: string;
  description?: string;
  parentCommit?: string;
  operations: CommitOperation[];
}

function fail(line: number, message: string): never {
  throw new ModaError('NDJSON_INVALID', `line ${line}: ${message}`);
}

function stringField(value: Record<string, unknown>, key: string, line: number): string {
  const field = value[key];
  if (typeof field !== 'string') fail(line, `"${key}" must be a string`);
  return field;
}

/**
 * `repoLfsSizes`: LFS oid → size of the files on the branch being committed to. huggingface_hub's
 * CommitOperationCopy of an LFS file sends its oid without a size; only an oid that is already in
 * the repo may be given that way, so a copy never reaches into another repo's objects.
 */
export function parseCommitBody(body: string, repoLfsSizes: ReadonlyMap<string, number> = new Map()): ParsedCommit {
  const result: ParsedCommit = { summary: '', operations: [] };
  let sawHeader = false;
  const lines = body.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index]?.trim();
    if (!text) continue;
    const lineNumber = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      fail(lineNumber, 'not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) fail(lineNumber, 'expected an object with "key" and "value"');
    const { key, value } = parsed as { key?: unknown; value?: unknown };
    if (typeof value !== 'object' || value === null) fail(lineNumber, '"value" must be an object');
    const fields = value as Record<string, unknown>;
    switch (key) {
      case 'header': {
        if (sawHeader) fail(lineNumber, 'more than one header');
        sawHeader = true;
        result.summary = typeof fields.summary === 'string' ? fields.summary : '';
        if (typeof fields.description === 'string' && fields.description !== '') result.description = fields.description;
        if (fields.parentCommit !== undefined && fields.parentCommit !== null) result.parentCommit = stringField(fields, 'parentCommit', lineNumber);
        break;
      }
      case 'file': {
        const path = stringField(fields, 'path', lineNumber);
        const content = stringField(fields, 'content', lineNumber);
        const encoding = fields.encoding ?? 'utf-8';
        if (encoding === 'base64') {
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content.replace(/\s/g, ''))) fail(lineNumber, `content of ${path} is not valid base64`);
          result.operations.push({ kind: 'file', path, content: Buffer.from(content, 'base64') });
        } else if (encoding === 'utf-8' || encoding === 'utf8') {
          result.operations.push({ kind: 'file', path, content: Buffer.from(content, 'utf8') });
        } else fail(lineNumber, `unknown encoding "${String(encoding)}"`);
        break;
      }
      case 'lfsFile': {
        const path = stringField(fields, 'path', lineNumber);
        const oid = stringField(fields, 'oid', lineNumber);
        if (fields.algo !== undefined && fields.algo !== 'sha256') fail(lineNumber, 'algo must be "sha256"');
        if (!SHA256_HEX.test(oid)) fail(lineNumber, `oid of ${path} is not a sha256 hex digest`);
        const size = fields.size ?? repoLfsSizes.get(oid);
        if (size === undefined) fail(lineNumber, `size of ${path} is required unless the oid is an LFS file of this branch (a copy)`);
        if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(lineNumber, `size of ${path} must be a non-negative integer`);
        result.operations.push({ kind: 'lfsFile', path, oid, size });
        break;
      }
      case 'deletedFile':
        result.operations.push({ kind: 'deletedFile', path: stringField(fields, 'path', lineNumber) });
        break;
      case 'deletedFolder':
        result.operations.push({ kind: 'deletedFolder', path: stringField(fields, 'path', lineNumber).replace(/\/+$/, '') });
        break;
      default:
        fail(lineNumber, `unknown key ${JSON.stringify(key)}`);
    }
  }
  if (!sawHeader) throw new ModaError('NDJSON_INVALID', 'the commit has no header line');
  if (result.summary.trim() === '') result.summary = 'Upload with Moda';
  const seen = new Set<string>();
  for (const operation of result.operations) {
    if (operation.kind === 'deletedFolder') continue;
    if (seen.has(operation.path)) throw new ModaError('NDJSON_INVALID', `${operation.path} appears twice in one commit`);
    seen.add(operation.path);
  }
  return result;
}
