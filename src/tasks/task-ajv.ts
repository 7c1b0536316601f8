// The one Ajv instance that checks task values, and the one way its errors are put into words.
// Media fields carry `x-media` instead of a JSON type because in the TypeScript API they may be
// bytes, which no JSON type describes.
import { Ajv, type ErrorObject } from 'ajv';

export const taskAjv = new Ajv({ strict: true, verbose: true });

const MEDIA_NOUN: Record<string, string> = { image: 'an image', audio: 'audio' };

// Ajv reads a function keyword's errors from the function itself, hence the property.
const validateMedia: ((kind: string, data: unknown) => boolean) & { errors?: Partial<ErrorObject>[] } = (kind, data) => {
  if ((typeof data === 'string' && data.length > 0) || data instanceof Uint8Array) return true;
  validateMedia.errors = [{ keyword: 'x-media', params: { media: kind }, message: `must be ${MEDIA_NOUN[kind] ?? kind}: a non-empty string (base64, data: URI or URL) or bytes` }];
  return false;
};

taskAjv.addKeyword({ keyword: 'x-media', schemaType: 'string', errors: true, validate: validateMedia });

export interface SchemaFailure {
  /** JSON Pointer to the failing value, e.g. `/inputs/0/question`. */
  path: string;
  /** The path and what is wrong with it, e.g. `/inputs/0/question must be string`. */
  message: string;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Where one error points: a missing or extra property is named, not its parent object. */
function pathOf(error: ErrorObject): string {
  if (error.keyword === 'required') return `${error.instancePath}/${escapePointer(String(error.params.missingProperty))}`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${escapePointer(String(error.params.additionalProperty))}`;
  return error.instancePath;
}

function reasonOf(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'additionalProperties') {
    const allowed = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
    return allowed.length > 0 ? `is not allowed (allowed: ${allowed.join(', ')})` : 'is not allowed (none are)';
  }
  return error.message ?? `fails ${error.keyword}`;
}

/**
 * The error most worth showing. The deepest one wins, since an `anyOf` also reports every branch
 * that failed at the top; when the branches only disagree on the type or the value, those are listed together.
 */
export function describeSchemaFailure(errors: readonly ErrorObject[]): SchemaFailure {
  const depth = (error: ErrorObject) => pathOf(error).split('/').length;
  const deepest = Math.max(...errors.map(depth));
  const candidates = errors.filter((error) => depth(error) === deepest && error.keyword !== 'anyOf' && error.keyword !== 'oneOf');
  const first = candidates[0] ?? errors[0];
  if (!first) return { path: '', message: 'is invalid' };
  const path = pathOf(first);
  if (candidates.length > 1 && candidates.every((error) => error.keyword === 'type')) {
    const types = [...new Set(candidates.map((error) => String(error.params.type)))];
    return { path, message: `${path || '/'} must be ${types.join(' or ')}` };
  }
  // A union of literals (TypeBox's enum) fails once per literal.
  if (candidates.length > 1 && candidates.every((error) => error.keyword === 'const')) {
    const values = candidates.map((error) => JSON.stringify(error.params.allowedValue));
    return { path, message: `${path || '/'} must be one of ${values.join(', ')}` };
  }
  return { path, message: `${path || '/'} ${reasonOf(first)}` };
}
