// The Try-it form's model, derived from a task's JSON Schemas: which control each value gets, how
// an example fills the form, and how the form's values become the request's input and parameters.
import type { JsonSchema } from '../api.js';

export type MediaKind = 'image' | 'audio';

/** A media value: a file from disk, the clipboard, the microphone or an example; or a URL the server fetches. */
export type MediaValue = { file: Blob; name: string; seconds?: number | undefined; converted?: boolean } | { url: string };

export type Control =
  | { kind: 'media'; media: MediaKind }
  | { kind: 'text'; multiline: boolean }
  | { kind: 'number'; integer: boolean; minimum: number | undefined; maximum: number | undefined }
  | { kind: 'boolean' }
  | { kind: 'choice'; options: string[] }
  | { kind: 'list' }
  | { kind: 'json' };

export type FieldValue = string | boolean | MediaValue | null;

export interface Field {
  name: string;
  schema: JsonSchema;
  control: Control;
  required: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The literal strings of `enum` or of an `anyOf`/`oneOf` of `const`s (TypeBox's literal unions). */
function choices(schema: JsonSchema): string[] | undefined {
  if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string')) return schema.enum as string[];
  const branches = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(branches) && branches.length > 0 && branches.every((branch) => isObject(branch) && typeof branch.const === 'string')) {
    return branches.map((branch) => (branch as { const: string }).const);
  }
  return undefined;
}

export function controlOf(schema: JsonSchema, multiline = false): Control {
  if (schema['x-media'] === 'image' || schema['x-media'] === 'audio') return { kind: 'media', media: schema['x-media'] };
  const options = choices(schema);
  if (options) return { kind: 'choice', options };
  switch (schema.type) {
    case 'boolean':
      return { kind: 'boolean' };
    case 'number':
    case 'integer': {
      const exclusiveMinimum = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
      return {
        kind: 'number',
        integer: schema.type === 'integer',
        minimum: typeof schema.minimum === 'number' ? schema.minimum : exclusiveMinimum,
        maximum: typeof schema.maximum === 'number' ? schema.maximum : undefined,
      };
    }
    case 'string':
      return { kind: 'text', multiline };
    case 'array':
      return isObject(schema.items) && schema.items.type === 'string' ? { kind: 'list' } : { kind: 'json' };
    default:
      return { kind: 'json' };
  }
}

/** The fields of an object schema, in declaration order. */
export function objectFields(schema: JsonSchema, multilineText: boolean): Field[] {
  const properties = (isObject(schema.properties) ? schema.properties : {}) as Record<string, JsonSchema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return Object.entries(properties).map(([name, property]) => ({ name, schema: property, control: controlOf(property, multilineText), required: required.includes(name) }));
}

/** The input's shape: one value (a text, an image…), or an object of fields (question + context). */
export type InputForm = { kind: 'single'; field: Field } | { kind: 'object'; fields: Field[] };

export function inputForm(schema: JsonSchema): InputForm {
  if (schema.type === 'object' && isObject(schema.properties)) return { kind: 'object', fields: objectFields(schema, true) };
  // A union with a plain-text branch (a prompt or a chat) is typed as JSON, where plain text passes as a string.
  const control = controlOf(schema, true);
  return { kind: 'single', field: { name: 'input', schema, control, required: true } };
}

function base64Blob(base64: string, type: string): Blob {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return new Blob([bytes], { type });
}

/** An example value in the form's terms: media as a file (base64, data: URI) or a URL. */
export function exampleValue(field: Field, value: unknown): FieldValue {
  const control = field.control;
  if (value === undefined) return null;
  switch (control.kind) {
    case 'media': {
      if (typeof value !== 'string') return null;
      if (/^https?:/i.test(value)) return { url: value };
      const dataUri = /^data:([^;,]+)?(;base64)?,/i.exec(value);
      const fallbackType = control.media === 'image' ? 'image/png' : 'audio/wav';
      const blob = dataUri ? base64Blob(value.slice(dataUri[0].length), dataUri[1] ?? fallbackType) : base64Blob(value, fallbackType);
      return { file: blob, name: `example.${control.media === 'image' ? (blob.type.split('/')[1] ?? 'png') : 'wav'}` };
    }
    case 'boolean':
      return value === true;
    case 'list':
      return Array.isArray(value) ? value.map(String).join('\n') : String(value);
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

export class FormValueError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'FormValueError';
  }
}

function blobDataUri(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(blob);
  });
}

/**
 * A field's value for the request, or undefined when it is left empty (the model's default then
 * applies). `rawMedia` keeps a file as a Blob, sent as the request body; inside an object it
 * becomes a data: URI, since JSON carries media as strings.
 */
export async function requestValue(field: Field, value: FieldValue, rawMedia: boolean): Promise<unknown> {
  if (value === null || value === '' || value === undefined) return undefined;
  const control = field.control;
  switch (control.kind) {
    case 'media': {
      if (typeof value !== 'object') return undefined;
      if ('url' in value) return value.url.trim() === '' ? undefined : value.url.trim();
      return rawMedia ? value.file : blobDataUri(value.file);
    }
    case 'boolean':
      return value === true ? true : undefined;
    case 'number': {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new FormValueError(`${field.name}: not a number`, field.name);
      return number;
    }
    case 'list': {
      const items = String(value)
        .split(/\r?\n/)
        .map((item) => item.trim())
        .filter((item) => item !== '');
      return items.length > 0 ? items : undefined;
    }
    case 'json': {
      const text = String(value).trim();
      // Plain text is a string; only what looks like JSON is parsed, so a prompt needs no quotes.
      if (!/^[[{"]/.test(text)) return text;
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new FormValueError(`${field.name}: ${error instanceof Error ? error.message : String(error)}`, field.name);
      }
    }
    default:
      return String(value);
  }
}
