// ModelScope names licenses as its SDK's `Licenses` constants do ("Apache License 2.0", "MIT");
// Moda's cards and search index use Hugging Face's license ids ("apache-2.0", "mit").
const MODELSCOPE_TO_HF: Record<string, string> = {
  'Apache License 2.0': 'apache-2.0',
  'GPL-2.0': 'gpl-2.0',
  'GPL-3.0': 'gpl-3.0',
  'LGPL-2.1': 'lgpl-2.1',
  'LGPL-3.0': 'lgpl-3.0',
  'AFL-3.0': 'afl-3.0',
  'ECL-2.0': 'ecl-2.0',
  MIT: 'mit',
};

const HF_TO_MODELSCOPE = Object.fromEntries(Object.entries(MODELSCOPE_TO_HF).map(([name, id]) => [id, name]));

/** The card's license id for a ModelScope license name; undefined leaves the card's default. */
export function licenseId(name: string | undefined): string | undefined {
  if (name === undefined || name.trim() === '') return undefined;
  const known = MODELSCOPE_TO_HF[name.trim()];
  if (known) return known;
  return /^[\w.+-]+$/.test(name.trim()) ? name.trim().toLowerCase() : 'other';
}

/** The ModelScope name of an indexed license id, or the id itself when ModelScope has no name for it. */
export function licenseName(id: string | null): string {
  if (id === null) return '';
  return HF_TO_MODELSCOPE[id] ?? id;
}
