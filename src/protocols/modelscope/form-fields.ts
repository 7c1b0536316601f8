// The text fields of a `multipart/form-data` body. The SDK's create_dataset posts its fields with
// requests' `files=` (one part per field, no file name), not JSON; only small text fields are
// expected, so the body arrives as a string and is split on its boundary here.
import { ModaError } from '../../errors/moda-error.js';
import type { Fields } from './wire-fields.js';

/** The boundary of a multipart/form-data Content-Type, or undefined for any other type. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new ModaError('BAD_REQUEST', 'multipart/form-data without a boundary');
  return boundary;
}

/** Field name → text of every part; a part that is a file upload or repeats a name is refused. */
export function formFields(body: unknown, boundary: string): Fields {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
  const delimiter = `--${boundary}`;
  const sections = text.split(delimiter);
  // sections[0] is the preamble; the last one starts with `--` (the close delimiter).
  if (sections.length < 2 || !sections[sections.length - 1]?.startsWith('--')) throw new ModaError('BAD_REQUEST', 'malformed multipart body: no closing boundary');
  const fields: Fields = {};
  for (const section of sections.slice(1, -1)) {
    const part = section.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new ModaError('BAD_REQUEST', 'malformed multipart body: a part without headers');
    const headers = part.slice(0, split);
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new ModaError('BAD_REQUEST', 'malformed multipart body: a part without a field name');
    if (/\bfilename\*?=/i.test(disposition)) throw new ModaError('VALIDATION_FAILED', `${name} must be a text field, not a file`);
    if (Object.hasOwn(fields, name)) throw new ModaError('VALIDATION_FAILED', `${name} is given twice`);
    fields[name] = part.slice(split + 4);
  }
  return fields;
}
