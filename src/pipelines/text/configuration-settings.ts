// Typed reads of one section of a repo's configuration.json (`model`, `preprocessor`): a setting
// that is absent takes the implementation's default, one of the wrong type or range is a
// MODEL_LOAD_FAILED naming it, so a bad repo fails at load with a message instead of at run time.
import { ModaError } from '../../errors/moda-error.js';

export interface ConfigurationSettings {
  number(name: string, fallback: number, range: { min: number; max: number; integer?: boolean }): number;
  string(name: string, fallback: string, pattern?: RegExp): string;
  boolean(name: string, fallback: boolean): boolean;
  /** The raw value, for settings with a structure of their own. */
  raw(name: string): unknown;
}

/** `section` is e.g. `snapshot.configuration?.model`; `where` names it in errors (`configuration.json model`). */
export function configurationSettings(section: unknown, where: string): ConfigurationSettings {
  if (section !== undefined && (typeof section !== 'object' || section === null || Array.isArray(section))) {
    throw new ModaError('MODEL_LOAD_FAILED', `${where} must be an object`);
  }
  const values = (section ?? {}) as Record<string, unknown>;
  const invalid = (name: string, expected: string) => new ModaError('MODEL_LOAD_FAILED', `${where}.${name} must be ${expected}, not ${JSON.stringify(values[name])}`);
  return {
    number(name, fallback, range) {
      const value = values[name];
      if (value === undefined) return fallback;
      const expected = `${range.integer ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) throw invalid(name, expected);
      if (range.integer && !Number.isInteger(value)) throw invalid(name, expected);
      return value;
    },
    string(name, fallback, pattern) {
      const value = values[name];
      if (value === undefined) return fallback;
      if (typeof value !== 'string' || (pattern && !pattern.test(value))) throw invalid(name, pattern ? `a string matching ${pattern}` : 'a string');
      return value;
    },
    boolean(name, fallback) {
      const value = values[name];
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') throw invalid(name, 'true or false');
      return value;
    },
    raw: (name) => values[name],
  };
}
