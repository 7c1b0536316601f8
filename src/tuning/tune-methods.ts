// Every training method a `tune` job can name by `method`. To add one: write it with
// defineTuneMethod (tune-method.ts) in its own folder under methods/ and add one line below.
import { ModaError } from '../errors/moda-error.js';
import { fastTextMethod } from './methods/fasttext/fasttext-method.js';
import { imageHeadMethod } from './methods/image-head/image-head-method.js';
import { prototypesMethod } from './methods/prototypes/prototypes-method.js';
import type { TuneMethod } from './tune-method.js';

const methods: TuneMethod[] = [
  // One line per method.
  fastTextMethod as unknown as TuneMethod,
  imageHeadMethod as unknown as TuneMethod,
  prototypesMethod as unknown as TuneMethod,
];

const byName = new Map(methods.map((method) => [method.name, method]));

export function listTuneMethods(): readonly TuneMethod[] {
  return methods;
}

/** The method named `name`; TUNE_METHOD_UNKNOWN names the known ones. */
export function findTuneMethod(name: string): TuneMethod {
  const method = byName.get(name);
  if (!method) throw new ModaError('TUNE_METHOD_UNKNOWN', `no tuning method "${name.slice(0, 100)}"; known methods: ${methods.map((known) => known.name).join(', ')}`);
  return method;
}
