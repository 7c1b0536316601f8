// The body of ModelScope's commit call, `{commit_message, commit_description?, actions:[…]}`, as hub
// commit operations. `create` and `update` both put a file (the SDK says `update` when the blob was
// already stored, not when the path exists); `normal` files carry base64 content, `lfs` files
// name an object uploaded beforehand by sha256 and size.
import { createHash } from 'node:crypto';
import { ModaError } from '../../errors/moda-error.js';
import type { CommitOperation } from '../../hub/write-commit.js';
import { SHA256_HEX } from '../../storage/blob-store.js';
import { jsonBody, optionalString, type Fields } from './wire-fields.js';

export interface ParsedCommit {
  summary: string;
  description?: string;
  operations: CommitOperation[];
}

export function parseCommitPayload(body: unknown): ParsedCommit {
  const fields = jsonBody(body);
  const summary = optionalString(fields, 'commit_message')?.trim() || 'Upload files through the ModelScope API';
  const description = optionalString(fields, 'commit_description') || undefined;
  if (!Array.isArray(fields.actions)) throw new ModaError('VALIDATION_FAILED', 'actions must be a list');
  const operations = fields.actions.map((value: unknown, index) => toOperation(value, index));
  return { summary, description, operations };
}

function toOperation(value: unknown, index: number): CommitOperation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModaError('VALIDATION_FAILED', `actions[${index}] must be an object`);
  const action = value as Fields;
  const where = `actions[${index}]`;
  const path = optionalString(action, 'path');
  if (!path) throw new ModaError('VALIDATION_FAILED', `${where}.path is required`);
  const kind = action.action;
  if (kind === 'delete') return path.endsWith('/') ? { kind: 'deletedFolder', path } : { kind: 'deletedFile', path };
  if (kind !== 'create' && kind !== 'update') throw new ModaError('VALIDATION_FAILED', `${where}.action must be "create", "update" or "delete"`);
  const size = action.size;
  const sha256 = optionalString(action, 'sha256') ?? '';
  if (size !== undefined && size !== null && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw new ModaError('VALIDATION_FAILED', `${where}.size must be a non-negative integer`);
  }
  if (sha256 !== '' && !SHA256_HEX.test(sha256)) throw new ModaError('VALIDATION_FAILED', `${where}.sha256 must be a lower-case sha256 hex digest`);

  if (action.type === 'lfs') {
    if (sha256 === '') throw new ModaError('VALIDATION_FAILED', `${where}.sha256 is required for an lfs file`);
    if (typeof size !== 'number') throw new ModaError('VALIDATION_FAILED', `${where}.size is required for an lfs file`);
    return { kind: 'lfsFile', path, oid: sha256, size };
  }
  if (action.type !== undefined && action.type !== 'normal') throw new ModaError('VALIDATION_FAILED', `${where}.type must be "normal" or "lfs"`);
  const content = decode(action, where);
  if (typeof size === 'number' && size !== content.byteLength) {
    throw new ModaError('VALIDATION_FAILED', `${where}: content has ${content.byteLength} bytes but size says ${size}`);
  }
  if (sha256 !== '' && createHash('sha256').update(content).digest('hex') !== sha256) {
    throw new ModaError('VALIDATION_FAILED', `${where}: content does not match its sha256`);
  }
  return { kind: 'file', path, content };
}

function decode(action: Fields, where: string): Buffer {
  const content = optionalString(action, 'content') ?? '';
  const encoding = (optionalString(action, 'encoding') ?? 'base64').toLowerCase();
  if (encoding === 'base64' || encoding === '') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content.replace(/\s+/g, ''))) throw new ModaError('VALIDATION_FAILED', `${where}.content is not valid base64`);
    return Buffer.from(content, 'base64');
  }
  if (encoding === 'utf-8' || encoding === 'utf8' || encoding === 'text') return Buffer.from(content, 'utf8');
  throw new ModaError('VALIDATION_FAILED', `${where}.encoding must be "base64" or "utf-8"`);
}
